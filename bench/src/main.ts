/**
 * `npm run bench` — the orchestrator. Compiles the bench (baselines + load generator) to
 * bench/dist, then for every run × scenario × server: starts the server as its own process
 * (pinned to core 0), starts the load generator (pinned to core 1), collects the result,
 * records how busy the machine was (other processes' CPU from /proc/stat), stops the server
 * by PID. Prints one JSON line per scenario × server × run and a table of medians.
 *
 * Flags: --quick (smoke plan) · --runs N (interleaved runs, medians) · --scenarios a,b
 * (idle, support, burst, reconnect-storm, widget, widget-load, lighthouse, wire; default all;
 * wire: bytes on a visitor's wire with permessage-deflate off and on, wire-bytes.ts) ·
 * --ws-deflate on|off (Switchboard started with WS_DEFLATE=on|off and the load generator's
 * clients offering permessage-deflate as browsers do; unset: the server's default, clients
 * offering nothing) ·
 * --servers switchboard,switchboard-2n,socketio,ws-relay (switchboard-2n: two nodes on PostgreSQL +
 * Redis that the bench starts and stops itself; support and burst only; in a default run a short
 * form, the full plan when named in --servers or with --full-2n) · --profile (node --cpu-prof on Switchboard for
 * support and burst, both nodes of switchboard-2n; profiles in bench/results/profiles) · --out FILE (JSON lines).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import {
  dropDatabase,
  freshDatabase,
  type Infra,
  seedBenchAgents,
  startInfra,
  stopInfra,
} from './cluster.js';
import { ALL_SCENARIOS, defaultPlan, type Plan, quickPlan } from './plan.js';
import { processCpuSeconds, selfCpuSeconds, systemCpu } from './proc.js';
import {
  BENCH_DIST,
  copyDir,
  fdLimits,
  freshDir,
  pinned,
  ROOT,
  ServerProcess,
  type ServerSpec,
  SWITCHBOARD_MAIN,
  SWITCHBOARD_NODE_FLAGS,
  switchboardAvailable,
} from './servers.js';
import { median } from './stats.js';
import type {
  FromLoadgen,
  LighthouseSummary,
  ScenarioConfig,
  ScenarioName,
  ScenarioResult,
  ServerKind,
  Target,
} from './types.js';
import { runWire, type WireResult, wireTable } from './wire-bytes.js';

// ---------------------------------------------------------------- options

const ALL_SERVERS: readonly ServerKind[] = ['switchboard', 'switchboard-2n', 'socketio', 'ws-relay'];
const DEFAULT_SERVERS: readonly ServerKind[] = ALL_SERVERS;

interface Options {
  quick: boolean;
  runs: number;
  scenarios: ScenarioName[];
  servers: ServerKind[];
  /**
   * switchboard-2n runs a short form (support 10 s, burst steps of 2 s, one bisection) unless
   * it was asked for by name in --servers or --full-2n is given: the full form adds ~5 min.
   */
  short2n: boolean;
  profile: boolean;
  out: string;
  /** Before each scenario, wait up to this long for the machine to be quiet (0 = don't). */
  quietWaitMs: number;
  /**
   * A scenario × server whose run was busy (other processes above the threshold) is run
   * again, at most this many times; every attempt is kept in the JSON lines and the medians
   * use the quiet ones (shared machines: see "Machine busyness" in docs/performance.md).
   */
  retryBusy: number;
  /** `--scenarios …,wire` (or none given): the wire-bytes measurement. */
  wire: boolean;
  /** --ws-deflate: WS_DEFLATE for Switchboard, and the generator's clients offer the extension. */
  wsDeflate: 'on' | 'off' | null;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const named = get('--scenarios')?.split(',');
  const wire = named ? named.includes('wire') : true;
  const scenarios = (named?.filter((s) => s !== 'wire') ?? [...ALL_SCENARIOS]) as ScenarioName[];
  for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);
  const deflate = get('--ws-deflate');
  if (deflate !== undefined && deflate !== 'on' && deflate !== 'off')
    throw new Error(`--ws-deflate must be on or off, got "${deflate}"`);
  const servers = (get('--servers')?.split(',') ?? [...DEFAULT_SERVERS]) as ServerKind[];
  for (const s of servers) if (!ALL_SERVERS.includes(s)) throw new Error(`unknown server ${s}`);
  return {
    quick: argv.includes('--quick'),
    runs: Math.max(1, Math.min(10, Number(get('--runs') ?? 1))),
    scenarios,
    servers,
    short2n: !argv.includes('--full-2n') && !(get('--servers')?.split(',') ?? []).includes('switchboard-2n'),
    profile: argv.includes('--profile'),
    quietWaitMs: Math.max(0, Math.min(600, Number(get('--quiet-wait') ?? 10))) * 1000,
    retryBusy: Math.max(0, Math.min(5, Number(get('--retry-busy') ?? 0))),
    out: get('--out') ?? join(ROOT, 'bench/results', `bench-${stamp}.jsonl`),
    wire,
    wsDeflate: deflate ?? null,
  };
}

// ---------------------------------------------------------------- machine

const CORES = cpus().length;
const SERVER_CORE = CORES >= 2 ? 0 : null;
const GEN_CORE = CORES >= 2 ? 1 : null;
/** Other processes using more than this (in cores, averaged over a run) make the run "busy". */
const BUSY_CORES = 0.25;
/** Scenarios that run chromium in the generator: its CPU is "other" there by construction. */
const BROWSER_SCENARIOS: readonly ScenarioName[] = ['widget', 'widget-load', 'lighthouse'];

function machine(): Record<string, string | number> {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const fd = fdLimits();
  return {
    cores: CORES,
    cpu: model,
    node: process.version,
    kernel: release(),
    fdSoft: fd.soft,
    fdHard: fd.hard,
    fdForChildren: fd.raised,
    pinning:
      SERVER_CORE === null ? 'none (1 core)' : `server core ${SERVER_CORE}, generator core ${GEN_CORE}`,
  };
}

// ---------------------------------------------------------------- servers

const SB_AGENTS = 20;

/** Same limits off as on one node: all visitors and agents come from 127.0.0.1 here. */
const SB_LIMITS_OFF = {
  SESSION_RATE_PER_MIN: '0',
  SITE_NEW_CONVERSATIONS_PER_MIN: '0',
  LOGIN_RATE_PER_MIN: '0',
  UPGRADE_BURST: '0',
  MAX_SOCKETS_PER_ADDRESS: '0',
  ADDRESS_RATE_BURST: '0',
};

async function prepareSwitchboardTemplate(
  agents: number,
): Promise<{ dir: string; seeded: number; note: string }> {
  const dir = freshDir('sb-bench-template-');
  const spec: ServerSpec = {
    kind: 'switchboard',
    label: 'switchboard (seed)',
    script: SWITCHBOARD_MAIN,
    dataDir: () => dir,
    env: { SEED: '1', SEED_HISTORY: '0' },
  };
  const server = new ServerProcess(spec, null, dir);
  await server.start();
  await server.stop('SIGTERM');
  // Bench-only agent accounts: copies of the seeded agent (same password), one per agent socket.
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'switchboard.db'));
    const insert = db.prepare(
      `INSERT INTO agents (id, site_id, email, name, role, password_hash, created_at)
       SELECT ?, site_id, ?, ?, 'agent', password_hash, created_at FROM agents WHERE email = 'ana@demo.test'`,
    );
    // Sign-in needs an active membership of the site, like the seeded agents'.
    const member = db.prepare(
      `INSERT INTO memberships (agent_id, site_id, role, active, departments, max_chats, created_at)
       SELECT id, site_id, 'agent', 1, '[]', NULL, created_at FROM agents WHERE id = ?`,
    );
    let seeded = 0;
    db.transaction(() => {
      for (let a = 0; a < agents; a++) {
        const nn = String(a).padStart(2, '0');
        seeded += insert.run(`agt_bench${nn}`, `bench-agent-${nn}@demo.test`, `Bench Agent ${nn}`).changes;
        member.run(`agt_bench${nn}`);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return { dir, seeded, note: `seeded ${seeded} bench agents into the template database` };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { dir, seeded: 0, note: `could not seed bench agents (${msg}); agent sockets share ana/ben` };
  }
}

function serverSpecs(sbTemplate: string | null): Record<ServerKind, ServerSpec> {
  return {
    switchboard: {
      kind: 'switchboard',
      label: 'Switchboard',
      script: SWITCHBOARD_MAIN,
      nodeFlags: SWITCHBOARD_NODE_FLAGS,
      dataDir: () => (sbTemplate ? copyDir(sbTemplate, 'sb-bench-') : freshDir('sb-bench-')),
      // Visitors and agents all come from 127.0.0.1 here; in production they come from many IPs.
      env: { SEED: '1', SEED_HISTORY: '0', ...SB_LIMITS_OFF },
    },
    // DATABASE_URL, REDIS_URL, REDIS_PREFIX, JWT_SECRET and SEED are set per run (runOne).
    'switchboard-2n': {
      kind: 'switchboard-2n',
      label: 'Switchboard, 2 nodes (PostgreSQL + Redis)',
      script: SWITCHBOARD_MAIN,
      nodeFlags: SWITCHBOARD_NODE_FLAGS,
      dataDir: () => null,
      env: { ...SB_LIMITS_OFF },
    },
    socketio: {
      kind: 'socketio',
      label: 'Socket.IO 4',
      script: join(BENCH_DIST, 'baselines/socketio-server.js'),
      dataDir: () => null,
      env: {},
    },
    'ws-relay': {
      kind: 'ws-relay',
      label: 'ws relay',
      script: join(BENCH_DIST, 'baselines/ws-relay.js'),
      dataDir: () => null,
      env: {},
    },
  };
}

// ---------------------------------------------------------------- one scenario × server

/** Waits (bounded) until other processes use less than BUSY_CORES, sampled over 1 s. */
async function waitQuiet(maxMs: number): Promise<{ waitedMs: number; otherCores: number }> {
  const t0 = Date.now();
  let other = Number.NaN;
  do {
    const a = systemCpu();
    const s0 = selfCpuSeconds();
    await new Promise((r) => setTimeout(r, 1000));
    const b = systemCpu();
    const seconds = (b.total - a.total) / CORES;
    other = Math.max(0, b.busy - a.busy - (selfCpuSeconds() - s0)) / seconds;
    if (other < BUSY_CORES) break;
  } while (Date.now() - t0 < maxMs);
  return { waitedMs: Date.now() - t0, otherCores: other };
}

interface Busy {
  /** Average CPU of other processes, in cores. */
  otherCores: number;
  /** Fraction of the whole machine. */
  otherShare: number;
  serverCores: number;
  generatorCores: number;
  busy: boolean;
}

interface Line {
  run: number;
  /** Waited for a quiet machine before the scenario (ms) and how busy it was then (cores). */
  quiet?: { waitedMs: number; otherCores: number };
  scenario: ScenarioName;
  server: ServerKind;
  ok: boolean;
  error?: string;
  wallMs: number;
  busy: Busy | null;
  result?: ScenarioResult;
}

/** Child processes alive right now (servers, load generators): stopped by PID on SIGINT/SIGTERM. */
const live = new Set<number>();

/** PostgreSQL + Redis of switchboard-2n, started once when that server kind is selected. */
let twoNodeInfra: Infra | null = null;

function stopLiveAndExit(signal: NodeJS.Signals): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.stderr.write(`bench: ${signal}: stopped ${live.size} child process(es)\n`);
  stopInfra();
  process.exit(130);
}
process.on('SIGINT', stopLiveAndExit);
// Every way out (also an uncaught error) stops the PostgreSQL and Redis the bench started.
process.on('exit', stopInfra);
process.on('SIGTERM', stopLiveAndExit);

const TIMEOUTS: Record<ScenarioName, number> = {
  idle: 240_000,
  support: 180_000,
  burst: 360_000,
  'reconnect-storm': 240_000,
  widget: 240_000,
  'widget-load': 420_000,
  // 2 variants × runs × the per-run bound (plan.ts), plus chromium starts.
  lighthouse: 900_000,
};

async function runOne(
  run: number,
  spec: ServerSpec,
  config: ScenarioConfig,
  opts: Options,
  seededAgents: number,
): Promise<Line> {
  const scenario = config.scenario;
  const started = Date.now();
  const nodeArgs: string[] = [];
  const nodeBArgs: string[] = [];
  const extraEnv: Record<string, string> = {};
  if (spec.kind === 'switchboard' || spec.kind === 'switchboard-2n') {
    // Profile only the first run, so the other runs measure the server without the profiler.
    if (
      opts.profile &&
      run === 1 &&
      (scenario === 'support' || scenario === 'burst' || scenario === 'idle')
    ) {
      const dir = join(ROOT, 'bench/results/profiles');
      mkdirSync(dir, { recursive: true });
      const args = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`];
      if (spec.kind === 'switchboard') nodeArgs.push(...args(`switchboard-${scenario}-run${run}.cpuprofile`));
      else {
        // Both nodes: A holds the visitors, B the agents.
        nodeArgs.push(...args(`switchboard-2n-A-${scenario}-run${run}.cpuprofile`));
        nodeBArgs.push(...args(`switchboard-2n-B-${scenario}-run${run}.cpuprofile`));
      }
    }
    // Per-socket token bucket (30, 1/s) would refuse burst rates > 1 msg/s per visitor; the
    // baselines have no limit, so burst measures the gateway, not its abuse limiter.
    if (scenario === 'burst')
      Object.assign(extraEnv, {
        RATE_BURST: '1000000',
        RATE_REFILL_PER_SEC: '1000000',
        CONTROL_RATE_BURST: '1000000',
        CONTROL_RATE_REFILL_PER_SEC: '1000000',
      });
  }
  // switchboard-2n: a fresh database and Redis prefix per run; node A seeds the demo, then the
  // bench agents are added and both nodes start (both on the server core).
  let dbUrl = '';
  let nodeB: ServerProcess | null = null;
  if (spec.kind === 'switchboard-2n') {
    const infra = twoNodeInfra;
    try {
      if (!infra) throw new Error('PostgreSQL/Redis not started');
      dbUrl = freshDatabase(infra);
    } catch (e) {
      const error = `switchboard-2n: ${e instanceof Error ? e.message : String(e)}`;
      return { run, scenario, server: spec.kind, ok: false, error, wallMs: Date.now() - started, busy: null };
    }
    Object.assign(extraEnv, {
      DATABASE_URL: dbUrl,
      REDIS_URL: infra.redisUrl,
      REDIS_PREFIX: `sbbench${process.pid}r${run}${scenario}:`,
      JWT_SECRET: `bench-${process.pid}-${run}-${Math.random().toString(36).slice(2)}${'x'.repeat(32)}`,
    });
  }
  if (opts.wsDeflate && (spec.kind === 'switchboard' || spec.kind === 'switchboard-2n'))
    extraEnv.WS_DEFLATE = opts.wsDeflate;
  const server = new ServerProcess(spec, SERVER_CORE, spec.dataDir(), nodeArgs, {
    ...extraEnv,
    ...(spec.kind === 'switchboard-2n' ? { SEED: '1' } : {}),
  });
  let lg: ChildProcess | null = null;
  try {
    let agents = seededAgents;
    if (spec.kind === 'switchboard-2n') {
      // Seed on a first start of node A (migrations + demo), add the bench agents, restart.
      await server.start();
      live.add(server.pid);
      await server.stop('SIGTERM');
      live.delete(server.pid);
      agents = seedBenchAgents(dbUrl, SB_AGENTS);
      nodeB = new ServerProcess(spec, SERVER_CORE, null, nodeBArgs, { ...extraEnv, SEED: '0' });
    }
    await server.start();
    live.add(server.pid);
    if (nodeB) {
      await nodeB.start();
      live.add(nodeB.pid);
    }
    const target: Target = {
      kind: spec.kind,
      url: server.url,
      pid: server.pid,
      seededAgents: agents,
      ...(opts.wsDeflate ? { offerDeflate: true } : {}),
      ...(nodeB ? { agentUrl: nodeB.url, extraPids: [nodeB.pid] } : {}),
    };
    const { cmd, args } = pinned(GEN_CORE, [process.execPath, join(BENCH_DIST, 'src/loadgen.js')]);
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    lg = child;
    const lgPid = child.pid ?? 0;
    live.add(lgPid);
    const sys0 = systemCpu();
    const srv0 = server.cpuSeconds() + (nodeB?.cpuSeconds() ?? 0);
    const lg0 = processCpuSeconds(lgPid) || 0;
    const self0 = selfCpuSeconds();
    let lgLast = lg0;
    const result = await new Promise<ScenarioResult>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${TIMEOUTS[scenario]} ms`)),
        TIMEOUTS[scenario],
      );
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`load generator exited with ${code} before answering`));
      });
      child.on('message', (raw) => {
        const msg = raw as FromLoadgen;
        switch (msg.type) {
          case 'log':
            process.stderr.write(`  [${spec.kind}] ${msg.text}\n`);
            break;
          case 'kill-now': {
            const killedAt = Date.now();
            void (async () => {
              live.delete(server.pid);
              await server.stop('SIGKILL');
              await server.start(server.port);
              live.add(server.pid);
              const upAt = Date.now();
              process.stderr.write(`  [${spec.kind}] killed -9 and restarted in ${upAt - killedAt} ms\n`);
              child.send({ type: 'server-restarted', pid: server.pid, killedAt, upAt });
            })().catch((e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
            break;
          }
          case 'result':
            lgLast = processCpuSeconds(lgPid) || lgLast;
            clearTimeout(timer);
            resolve(msg.result);
            break;
          case 'failed':
            clearTimeout(timer);
            reject(new Error(msg.error));
            break;
        }
      });
      child.send({ type: 'start', config, target });
    });
    const sys1 = systemCpu();
    const wall = sys1.total - sys0.total; // CPU-seconds of all cores
    const srv = server.cpuSeconds() + (nodeB?.cpuSeconds() ?? 0) - srv0;
    const gen = lgLast - lg0;
    const self = selfCpuSeconds() - self0;
    const other = Math.max(0, sys1.busy - sys0.busy - srv - gen - self);
    const seconds = wall / CORES;
    const busy: Busy = {
      otherCores: other / seconds,
      otherShare: other / wall,
      serverCores: srv / seconds,
      generatorCores: gen / seconds,
      // switchboard-2n: PostgreSQL and Redis are "other processes" by construction.
      busy:
        !BROWSER_SCENARIOS.includes(scenario) &&
        spec.kind !== 'switchboard-2n' &&
        other / seconds > BUSY_CORES,
    };
    return { run, scenario, server: spec.kind, ok: true, wallMs: Date.now() - started, busy, result };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { run, scenario, server: spec.kind, ok: false, error, wallMs: Date.now() - started, busy: null };
  } finally {
    if (lg?.pid && lg.exitCode === null && lg.signalCode === null) {
      try {
        process.kill(lg.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (lg?.pid) live.delete(lg.pid);
    await server.stop('SIGTERM');
    live.delete(server.pid);
    server.dispose();
    if (nodeB) {
      await nodeB.stop('SIGTERM');
      live.delete(nodeB.pid);
    }
    if (dbUrl) dropDatabase(twoNodeInfra, dbUrl);
  }
}

// ---------------------------------------------------------------- report

type Getter = (r: ScenarioResult) => number | string | null;

interface Row {
  scenario: ScenarioName;
  label: string;
  get: Getter;
  digits?: number;
}

const ROWS: Row[] = [
  {
    scenario: 'idle',
    label: 'idle RSS/conn @ largest N (KB)',
    get: (r) => (r.scenario === 'idle' ? (r.data.steps.at(-1)?.rssPerConnKB ?? null) : null),
  },
  {
    scenario: 'idle',
    label: 'idle RSS/conn @ N=5000 (KB)',
    get: (r) =>
      r.scenario === 'idle' ? (r.data.steps.find((s) => s.n === 5000)?.rssPerConnKB ?? null) : null,
  },
  {
    scenario: 'idle',
    label: 'marginal RSS/conn, two largest N (KB)',
    get: (r) => (r.scenario === 'idle' ? r.data.marginalKB : null),
  },
  {
    scenario: 'idle',
    label: 'marginal RSS/conn, first two N (KB)',
    get: (r) => (r.scenario === 'idle' ? r.data.marginalLowKB : null),
  },
  {
    scenario: 'idle',
    label: 'connect + join rate, 100 in flight (/s)',
    get: (r) => (r.scenario === 'idle' ? r.data.connectPerSec : null),
    digits: 0,
  },
  {
    scenario: 'idle',
    label: 'server CPU per join, connect phases (µs)',
    get: (r) => (r.scenario === 'idle' ? (r.data.cpuUsPerJoin ?? null) : null),
    digits: 0,
  },
  {
    scenario: 'idle',
    label: 'sockets held at largest N',
    get: (r) => (r.scenario === 'idle' ? r.data.held : null),
    digits: 0,
  },
  {
    scenario: 'support',
    label: 'support delivered / sent',
    get: (r) => (r.scenario === 'support' ? `${r.data.stats.delivered}/${r.data.stats.sent}` : null),
  },
  {
    scenario: 'support',
    label: 'support lost / dup / reordered',
    get: (r) =>
      r.scenario === 'support'
        ? `${r.data.stats.lost}/${r.data.stats.duplicated}/${r.data.stats.reordered}`
        : null,
  },
  {
    scenario: 'support',
    label: 'support still missing 30 s after the drain (when any were missing)',
    get: (r) => (r.scenario === 'support' ? (r.data.stats.stillMissingAfterGrace ?? null) : null),
    digits: 0,
  },
  {
    scenario: 'support',
    label: 'support echo lost',
    get: (r) => (r.scenario === 'support' ? r.data.stats.echoLost : null),
    digits: 0,
  },
  {
    scenario: 'support',
    label: 'support p50 (ms)',
    get: (r) => (r.scenario === 'support' ? r.data.stats.latency.p50 : null),
    digits: 2,
  },
  {
    scenario: 'support',
    label: 'support p95 (ms)',
    get: (r) => (r.scenario === 'support' ? r.data.stats.latency.p95 : null),
    digits: 2,
  },
  {
    scenario: 'support',
    label: 'support p99 (ms)',
    get: (r) => (r.scenario === 'support' ? r.data.stats.latency.p99 : null),
    digits: 2,
  },
  {
    scenario: 'support',
    label: 'support max (ms)',
    get: (r) => (r.scenario === 'support' ? r.data.stats.latency.max : null),
    digits: 1,
  },
  {
    scenario: 'support',
    label: 'support replies delivered / sent',
    get: (r) =>
      r.scenario === 'support' ? `${r.data.stats.repliesDelivered}/${r.data.stats.replies}` : null,
  },
  {
    scenario: 'support',
    label: 'support server CPU per message (µs)',
    get: (r) => (r.scenario === 'support' ? r.data.stats.serverCpuUsPerMsg : null),
    digits: 0,
  },
  {
    scenario: 'support',
    label: 'support server CPU (cores)',
    get: (r) => (r.scenario === 'support' ? r.data.stats.serverCpu : null),
    digits: 2,
  },
  {
    scenario: 'support',
    label: 'support frames received per message (Switchboard)',
    get: (r) =>
      r.scenario === 'support' && r.data.stats.framesPerMessage
        ? Object.entries(r.data.stats.framesPerMessage)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : null,
  },
  {
    scenario: 'support',
    label: 'support server RSS (MB)',
    get: (r) => (r.scenario === 'support' ? r.data.stats.rssKB / 1024 : null),
    digits: 0,
  },
  {
    scenario: 'burst',
    label: 'knee (msg/s, p99 ≤ 100 ms, no loss)',
    get: (r) => (r.scenario === 'burst' ? r.data.knee : null),
    digits: 0,
  },
  {
    scenario: 'burst',
    label: 'p99 at reference rate (ms)',
    get: (r) => (r.scenario === 'burst' ? r.data.p99AtReference : null),
    digits: 1,
  },
  {
    scenario: 'burst',
    label: 'what ran out above the knee',
    get: (r) => (r.scenario === 'burst' ? r.data.ranOut : null),
  },
  {
    scenario: 'burst',
    label: 'burst lost + dup over all steps',
    get: (r) => (r.scenario === 'burst' ? r.data.steps.reduce((s, x) => s + x.lost + x.duplicated, 0) : null),
    digits: 0,
  },
  {
    scenario: 'burst',
    label: 'p50 at reference rate (ms)',
    get: (r) =>
      r.scenario === 'burst'
        ? (r.data.steps.find((x) => Math.abs(x.rate - r.data.referenceRate) < 1)?.latency.p50 ?? null)
        : null,
    digits: 1,
  },
  {
    scenario: 'reconnect-storm',
    label: 'storm: all back after server up (s)',
    get: (r) =>
      r.scenario === 'reconnect-storm'
        ? r.data.backAfterUpMs === null
          ? 'not all back'
          : r.data.backAfterUpMs / 1000
        : null,
    digits: 2,
  },
  {
    scenario: 'reconnect-storm',
    label: 'storm: server down (kill → ready, s)',
    get: (r) => (r.scenario === 'reconnect-storm' ? r.data.downMs / 1000 : null),
    digits: 2,
  },
  {
    scenario: 'reconnect-storm',
    label: 'storm: peak connection attempts, any 1 s after kill (/s)',
    get: (r) => (r.scenario === 'reconnect-storm' ? r.data.peakAttemptsPerSec : null),
    digits: 0,
  },
  {
    scenario: 'reconnect-storm',
    label: 'storm: peak connection attempts once up (/s)',
    get: (r) =>
      r.scenario === 'reconnect-storm' && r.data.peakAttemptsPerSecAfterUp !== undefined
        ? r.data.peakAttemptsPerSecAfterUp
        : null,
    digits: 0,
  },
  {
    scenario: 'reconnect-storm',
    label: 'storm: sent / lost / dup / unacked',
    get: (r) =>
      r.scenario === 'reconnect-storm'
        ? `${r.data.sent}/${r.data.lost}/${r.data.duplicated}/${r.data.unacked}`
        : null,
  },
  {
    scenario: 'widget',
    label: 'widget.js raw / gzip / brotli (bytes)',
    get: (r) =>
      r.scenario === 'widget'
        ? r.data.rawBytes === null
          ? (r.data.skipped ?? 'n/a')
          : `${r.data.rawBytes} / ${r.data.gzipBytes} / ${r.data.brotliBytes ?? 'n/a'}`
        : null,
  },
  {
    scenario: 'widget',
    label: 'widget: script start → launcher (ms)',
    get: (r) => (r.scenario === 'widget' ? (r.data.launcherMedianMs ?? r.data.skipped ?? 'n/a') : null),
    digits: 1,
  },
  {
    scenario: 'widget',
    label: 'widget: open panel → connected (ms)',
    get: (r) => (r.scenario === 'widget' ? (r.data.connectedMedianMs ?? r.data.skipped ?? 'n/a') : null),
    digits: 1,
  },
  ...(['up', 'down', 'hang'] as const).flatMap((c) =>
    (['firstVisit', 'signedIn'] as const).flatMap((embed): Row[] => {
      const who = embed === 'firstVisit' ? 'first visit' : 'signed-in shopper';
      return [
        {
          scenario: 'widget-load',
          label: `shop load event with (${who}) / without widget, server ${c} (ms, ratio; widget.js fetch ms)`,
          get: (r) => {
            if (r.scenario !== 'widget-load') return null;
            const x = r.data.cases[c];
            return x
              ? `${x[embed].loadMs} / ${x.loadWithoutMs} (×${x[embed].loadRatio}; ${x[embed].scriptFetchMs})`
              : (r.data.skipped ?? 'n/a');
          },
        },
        {
          scenario: 'widget-load',
          label: `script start → launcher / first paint → launcher (${who}), server ${c} (ms; shown; requests to Switchboard)`,
          get: (r) => {
            if (r.scenario !== 'widget-load') return null;
            const x = r.data.cases[c]?.[embed];
            return x
              ? `${x.scriptToLauncherMs} / ${x.fcpToLauncherMs} (${x.launcherShown}; ${x.switchboardRequests})`
              : null;
          },
        },
      ];
    }),
  ),
  ...(
    [
      ['performance score', (s: LighthouseSummary) => s.score],
      ['LCP (ms)', (s: LighthouseSummary) => s.lcpMs],
      ['TBT (ms)', (s: LighthouseSummary) => s.tbtMs],
      ['total transferred (bytes)', (s: LighthouseSummary) => s.transferBytes],
    ] as const
  ).map(
    ([what, pick]): Row => ({
      scenario: 'lighthouse',
      label: `Lighthouse mobile ${what}, with / without widget`,
      get: (r) =>
        r.scenario === 'lighthouse'
          ? `${r.data.with ? pick(r.data.with) : 'failed'} / ${r.data.without ? pick(r.data.without) : 'failed'}`
          : null,
    }),
  ),
  {
    scenario: 'lighthouse',
    label: 'Lighthouse: widget.js transferred (bytes) / main thread, unthrottled (ms)',
    get: (r) =>
      r.scenario === 'lighthouse' && r.data.with
        ? `${r.data.with.widgetTransferBytes} / ${r.data.with.widgetCpuMs}`
        : null,
  },
  {
    scenario: 'lighthouse',
    label: 'Lighthouse error',
    get: (r) => (r.scenario === 'lighthouse' && r.data.error ? r.data.error : null),
  },
];

/** Lines to decide on: non-busy runs if there are any, else all (marked). */
function usable(lines: Line[]): Line[] {
  const ok = lines.filter((l) => l.ok && l.result);
  const quiet = ok.filter((l) => !l.busy?.busy);
  return quiet.length > 0 ? quiet : ok;
}

function cell(lines: Line[], row: Row): string {
  const values = usable(lines)
    .map((l) => (l.result ? row.get(l.result) : null))
    .filter((v): v is number | string => v !== null);
  if (values.length === 0) return lines.some((l) => !l.ok) ? 'failed' : '—';
  const allBusy = lines.length > 0 && lines.every((l) => l.busy?.busy);
  const mark = allBusy ? ' ⚠busy' : '';
  const nums = values.filter((v): v is number => typeof v === 'number');
  if (nums.length === values.length) {
    const m = median(nums);
    return Number.isFinite(m) ? `${m.toFixed(row.digits ?? 1)}${mark}` : 'n/a';
  }
  return `${values.length === 1 ? String(values[0]) : values.map(String).join(' · ')}${mark}`;
}

function medianOf(lines: Line[], row: Row): number {
  const nums = usable(lines)
    .map((l) => (l.result ? row.get(l.result) : null))
    .filter((v): v is number => typeof v === 'number');
  return median(nums);
}

const LABELS: Record<ServerKind, string> = {
  switchboard: 'Switchboard',
  'switchboard-2n': 'Switchboard 2 nodes (PG + Redis)',
  socketio: 'Socket.IO 4',
  'ws-relay': 'ws relay',
};

function table(all: Line[], servers: ServerKind[], scenarios: ScenarioName[]): string {
  const out: string[] = [];
  out.push(`| metric | ${servers.map((s) => LABELS[s]).join(' | ')} |`);
  out.push(`|---|${servers.map(() => '---').join('|')}|`);
  for (const row of ROWS) {
    if (!scenarios.includes(row.scenario)) continue;
    const cells = servers.map((s) =>
      cell(
        all.filter((l) => l.scenario === row.scenario && l.server === s),
        row,
      ),
    );
    if (cells.every((c) => c === '—')) continue;
    out.push(`| ${row.label} | ${cells.join(' | ')} |`);
  }
  const runs = [...new Set(all.map((l) => l.run))];
  for (const run of runs) {
    const ls = all.filter((l) => l.run === run && l.busy);
    const worst = Math.max(
      0,
      ...ls.filter((l) => !BROWSER_SCENARIOS.includes(l.scenario)).map((l) => l.busy?.otherCores ?? 0),
    );
    const busyN = ls.filter((l) => l.busy?.busy).length;
    out.push(
      `| run ${run}: other processes' CPU, worst scenario (cores) | ${worst.toFixed(2)}${busyN ? ` (${busyN} busy, discarded)` : ''} |`,
    );
  }
  return out.join('\n');
}

function ratios(all: Line[], largestN: number): string {
  const pick = (scenario: ScenarioName, server: ServerKind, label: string): number => {
    const row = ROWS.find((r) => r.label === label);
    return row
      ? medianOf(
          all.filter((l) => l.scenario === scenario && l.server === server),
          row,
        )
      : Number.NaN;
  };
  const out: string[] = [];
  const check = (name: string, value: number, target: string, pass: boolean): void => {
    out.push(
      `| ${name} | ${Number.isFinite(value) ? value.toFixed(2) : 'n/a'} | ${target} | ${Number.isFinite(value) ? (pass ? 'met' : 'NOT met') : 'n/a'} |`,
    );
  };
  out.push('| target | value | needed | verdict |', '|---|---|---|---|');
  const kneeSb = pick('burst', 'switchboard', 'knee (msg/s, p99 ≤ 100 ms, no loss)');
  const kneeIo = pick('burst', 'socketio', 'knee (msg/s, p99 ≤ 100 ms, no loss)');
  const kneeWs = pick('burst', 'ws-relay', 'knee (msg/s, p99 ≤ 100 ms, no loss)');
  check('knee Switchboard / Socket.IO', kneeSb / kneeIo, '≥ 1.0', kneeSb / kneeIo >= 1);
  check('knee Switchboard / ws relay', kneeSb / kneeWs, '≥ 0.6', kneeSb / kneeWs >= 0.6);
  const p99Sb = pick('burst', 'switchboard', 'p99 at reference rate (ms)');
  const p99Io = pick('burst', 'socketio', 'p99 at reference rate (ms)');
  check('p99 at reference rate, Switchboard / Socket.IO', p99Sb / p99Io, '≤ 1.0', p99Sb / p99Io <= 1);
  const mSb = pick('idle', 'switchboard', 'marginal RSS/conn, two largest N (KB)');
  const mWs = pick('idle', 'ws-relay', 'marginal RSS/conn, two largest N (KB)');
  const mIo = pick('idle', 'socketio', 'marginal RSS/conn, two largest N (KB)');
  check('marginal idle RSS, Switchboard / ws relay', mSb / mWs, '≤ 1.2', mSb / mWs <= 1.2);
  check('marginal idle RSS, ws relay / Socket.IO (sanity)', mWs / mIo, '≤ 0.75', mWs / mIo <= 0.75);
  const held = pick('idle', 'switchboard', 'sockets held at largest N');
  check('idle sockets held by Switchboard', held, String(largestN), held >= largestN);
  const cSb = pick('idle', 'switchboard', 'connect + join rate, 100 in flight (/s)');
  const cIo = pick('idle', 'socketio', 'connect + join rate, 100 in flight (/s)');
  check('connect rate Switchboard / Socket.IO', cSb / cIo, '≥ 1.0', cSb / cIo >= 1);
  const back = pick('reconnect-storm', 'switchboard', 'storm: all back after server up (s)');
  check('storm: all back after server up (s)', back, '≤ 30', back <= 30);
  const storm = usable(all.filter((l) => l.scenario === 'reconnect-storm' && l.server === 'switchboard'));
  const stormLoss = storm.reduce(
    (s, l) =>
      s + (l.result?.scenario === 'reconnect-storm' ? l.result.data.lost + l.result.data.duplicated : 0),
    0,
  );
  if (storm.length) check('storm: lost + duplicated (all runs)', stormLoss, '0', stormLoss === 0);
  let lossAll = 0;
  for (const l of all.filter((x) => x.server === 'switchboard' && x.result)) {
    const r = l.result;
    if (r?.scenario === 'support') lossAll += r.data.stats.lost + r.data.stats.duplicated;
    if (r?.scenario === 'reconnect-storm') lossAll += r.data.lost + r.data.duplicated;
  }
  check('Switchboard lost + duplicated in support and storm (all runs)', lossAll, '0', lossAll === 0);
  // Two nodes: no target on the figures themselves, but nothing may be lost or duplicated at
  // the support rate, and never a duplicate in burst (a loss above the knee is the knee).
  const twoNode = all.filter((x) => x.server === 'switchboard-2n' && x.result);
  if (twoNode.length) {
    let loss2 = 0;
    for (const l of twoNode) {
      const r = l.result;
      // Late is not lost: count what was still missing after the grace wait, when measured.
      if (r?.scenario === 'support')
        loss2 += (r.data.stats.stillMissingAfterGrace ?? r.data.stats.lost) + r.data.stats.duplicated;
      if (r?.scenario === 'burst') loss2 += r.data.steps.reduce((s, x) => s + x.duplicated, 0);
    }
    check('Switchboard 2 nodes: lost + dup in support, dup in burst (all runs)', loss2, '0', loss2 === 0);
    const knee2 = pick('burst', 'switchboard-2n', 'knee (msg/s, p99 ≤ 100 ms, no loss)');
    out.push(
      `| knee Switchboard 2 nodes / 1 node (information) | ${Number.isFinite(knee2 / kneeSb) ? (knee2 / kneeSb).toFixed(2) : 'n/a'} | — | — |`,
    );
  }
  const widget = usable(all.filter((l) => l.scenario === 'widget'));
  const gz = median(
    widget.map((l) =>
      l.result?.scenario === 'widget' ? (l.result.data.gzipBytes ?? Number.NaN) : Number.NaN,
    ),
  );
  check('widget.js gzip (KB)', gz / 1024, '≤ 12', gz / 1024 <= 12);
  return out.join('\n');
}

// ---------------------------------------------------------------- main

/**
 * A fresh clone has no server/dist or widget/dist: build them once (`npm run build`, ~1 min)
 * so `npm run bench` works right after `npm install`. An existing build is used as it is
 * (run `npm run build` after changing the code).
 */
function buildAppIfMissing(): void {
  const widget = join(ROOT, 'widget/dist/widget.js');
  if (existsSync(SWITCHBOARD_MAIN) && existsSync(widget)) return;
  process.stderr.write('bench: server or widget not built yet: npm run build\n');
  const r = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
  if (r.status !== 0) process.stderr.write('bench: npm run build failed; Switchboard may be skipped\n');
}

function buildBench(): void {
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  const r = spawnSync(tsc, ['-p', join(ROOT, 'bench/tsconfig.json')], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error('bench build failed (tsc -p bench)');
}

/** The short form of the two-node row in a default run (see Options.short2n). */
function short2n(plan: Plan): Plan {
  return {
    ...plan,
    support: { ...plan.support, durationMs: Math.min(plan.support.durationMs, 10_000) },
    burst: {
      ...plan.burst,
      stepMs: Math.min(plan.burst.stepMs, 2000),
      bisections: Math.min(plan.burst.bisections, 1),
    },
  };
}

function configFor(plan: Plan, scenario: ScenarioName): ScenarioConfig {
  switch (scenario) {
    case 'idle':
      return plan.idle;
    case 'support':
      return plan.support;
    case 'burst':
      return plan.burst;
    case 'reconnect-storm':
      return plan.storm;
    case 'widget':
      return { ...plan.widget, widgetPath: join(ROOT, 'widget/dist/widget.js') };
    case 'widget-load':
      return plan.widgetLoad;
    case 'lighthouse':
      return plan.lighthouse;
  }
}

/** Which servers a scenario applies to. */
function serversFor(scenario: ScenarioName, servers: ServerKind[]): ServerKind[] {
  // Two nodes: the traffic scenarios (idle measures one process's RSS; storm kills one server).
  if (scenario !== 'support' && scenario !== 'burst') servers = servers.filter((s) => s !== 'switchboard-2n');
  if (scenario === 'reconnect-storm' || BROWSER_SCENARIOS.includes(scenario))
    return servers.filter((s) => s === 'switchboard');
  return servers;
}

/** `--report FILE…`: the table and target ratios again from saved JSON lines (no run). */
function report(files: string[]): void {
  const all: Line[] = [];
  let largestN = Math.max(...defaultPlan().idle.steps);
  for (const f of files) {
    for (const text of readFileSync(f, 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      const obj = JSON.parse(text) as Partial<Line> & { type?: string; quick?: boolean };
      if (obj.type === 'machine' && obj.quick) largestN = Math.max(...quickPlan().idle.steps);
      if (obj.scenario && obj.server && typeof obj.run === 'number') all.push(obj as Line);
    }
  }
  const servers = [...ALL_SERVERS].filter((s) => all.some((l) => l.server === s));
  const scenarios = ALL_SCENARIOS.filter((s) => all.some((l) => l.scenario === s));
  process.stdout.write(`${table(all, servers, scenarios)}\n\n${ratios(all, largestN)}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const ri = argv.indexOf('--report');
  if (ri >= 0) {
    report(argv.slice(ri + 1).filter((a) => !a.startsWith('--')));
    return;
  }
  const opts = parseArgs(argv);
  const plan = opts.quick ? quickPlan() : defaultPlan();
  const info = machine();
  process.stderr.write(`bench: ${JSON.stringify(info)}\n`);
  const fd = fdLimits();
  const need = Math.max(...plan.idle.steps) + 2000;
  if (fd.raised < need) {
    const cap = fd.raised - 2000;
    process.stderr.write(
      `bench: fd limit ${fd.raised} < ${need}: idle N capped at ${cap} (raise the hard limit: ulimit -Hn)\n`,
    );
    plan.idle.steps = plan.idle.steps.map((n) => Math.min(n, cap));
  }
  buildBench();
  buildAppIfMissing();

  let servers = opts.servers;
  const notes: string[] = [];
  let template: string | null = null;
  let seeded = 0;
  if (servers.includes('switchboard')) {
    if (!switchboardAvailable()) {
      notes.push(`Switchboard skipped: ${SWITCHBOARD_MAIN} missing (npm run build)`);
      servers = servers.filter((s) => s !== 'switchboard');
    } else {
      try {
        const t = await prepareSwitchboardTemplate(SB_AGENTS);
        template = t.dir;
        seeded = t.seeded;
        notes.push(t.note);
      } catch (e) {
        notes.push(`Switchboard skipped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        servers = servers.filter((s) => s !== 'switchboard');
      }
    }
  }
  if (servers.includes('switchboard-2n')) {
    if (!switchboardAvailable()) {
      notes.push(`switchboard-2n skipped: ${SWITCHBOARD_MAIN} missing (npm run build)`);
      servers = servers.filter((s) => s !== 'switchboard-2n');
    } else {
      try {
        twoNodeInfra = await startInfra(SERVER_CORE);
        notes.push(
          `switchboard-2n: PostgreSQL ${twoNodeInfra.pgAdminUrl.replace(/\/[^/]*$/, '')} and Redis ${twoNodeInfra.redisUrl} started by the bench; visitors on node A, agents on node B; both nodes, PostgreSQL and Redis pinned to the server core`,
        );
      } catch (e) {
        notes.push(`switchboard-2n skipped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        servers = servers.filter((s) => s !== 'switchboard-2n');
      }
    }
  }
  for (const n of notes) process.stderr.write(`bench: ${n}\n`);
  const specs = serverSpecs(template);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  appendFileSync(
    opts.out,
    `${JSON.stringify({ type: 'machine', at: new Date().toISOString(), ...info, quick: opts.quick, runs: opts.runs, notes })}\n`,
  );

  const wireResults: WireResult[] = [];
  if (opts.wire && servers.includes('switchboard')) {
    process.stderr.write('bench: wire bytes (permessage-deflate off / on)\n');
    await runWire((r) => {
      const json = JSON.stringify(r);
      process.stdout.write(`${json}\n`);
      appendFileSync(opts.out, `${json}\n`);
    }, SERVER_CORE).then(
      (rs) => wireResults.push(...rs),
      (e: unknown) =>
        process.stderr.write(`bench: wire FAILED: ${e instanceof Error ? e.message : String(e)}\n`),
    );
  }

  const all: Line[] = [];
  const t0 = Date.now();
  for (let run = 1; run <= opts.runs; run++) {
    for (const scenario of opts.scenarios) {
      const list = serversFor(scenario, servers);
      // Interleave: rotate the server order each run so no server always goes first.
      const order = list.map((_, i) => list[(i + run - 1) % list.length] as ServerKind);
      for (const kind of order) {
        for (let attempt = 0; attempt <= opts.retryBusy; attempt++) {
          const quiet = opts.quietWaitMs > 0 ? await waitQuiet(opts.quietWaitMs) : undefined;
          const q = quiet
            ? ` (other processes ${quiet.otherCores.toFixed(2)} cores after ${quiet.waitedMs} ms)`
            : '';
          const again =
            attempt > 0 ? ` — again, the last attempt was busy (${attempt}/${opts.retryBusy})` : '';
          process.stderr.write(`bench: run ${run}/${opts.runs} ${scenario} × ${kind}${q}${again}\n`);
          const line = {
            ...(await runOne(
              run,
              specs[kind],
              configFor(kind === 'switchboard-2n' && opts.short2n ? short2n(plan) : plan, scenario),
              opts,
              seeded,
            )),
            quiet,
          };
          all.push(line);
          const json = JSON.stringify(line);
          process.stdout.write(`${json}\n`);
          appendFileSync(opts.out, `${json}\n`);
          if (!line.ok) process.stderr.write(`bench: ${scenario} × ${kind} FAILED: ${line.error}\n`);
          if (!line.ok || !line.busy?.busy) break;
        }
      }
    }
  }
  if (template && existsSync(template)) spawnSync('rm', ['-rf', template]);
  stopInfra();

  const scenarios = opts.scenarios;
  if (wireResults.length) process.stdout.write(`\n## Wire bytes\n\n${wireTable(wireResults)}\n`);
  if (scenarios.length === 0) return;
  const tableText = table(all, servers, scenarios);
  const ratioText = ratios(all, Math.max(...plan.idle.steps));
  process.stdout.write(
    `\n## Results (median of ${opts.runs} run${opts.runs > 1 ? 's' : ''}${opts.quick ? ', QUICK plan' : ''}; ${Math.round((Date.now() - t0) / 1000)} s)\n\n${tableText}\n\n## Targets\n\n${ratioText}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`,
  );
  appendFileSync(opts.out, `${JSON.stringify({ type: 'summary', table: tableText, ratios: ratioText })}\n`);
  process.stderr.write(`bench: JSON lines in ${opts.out}\n`);
}

main().catch((e: unknown) => {
  stopInfra();
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
