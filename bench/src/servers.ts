/**
 * Servers under test: each runs as its own process — the spawned command *is* the server
 * (taskset and bash only `exec` into node, so the PID stays the server's and /proc/<pid> is
 * its RSS and CPU). A free loopback port in 19000–19999, a fresh data directory per run,
 * stopped by PID.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processCmdline, processCpuSeconds } from './proc.js';
import type { ServerKind } from './types.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const BENCH_DIST = join(ROOT, 'bench/dist');
export const SWITCHBOARD_MAIN = join(ROOT, 'server/dist/main.js');

/**
 * The node flags `npm start` gives the server (root package.json), so the bench runs it as
 * users do (none today; docs/performance.md, "Issue 18: the per-message cost", has the run
 * with `--max-semi-space-size=32`).
 */
export const SWITCHBOARD_NODE_FLAGS: readonly string[] = (() => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const start = pkg.scripts?.start ?? '';
  const m = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+server\/dist\/main\.js/.exec(start);
  return m?.[1] ? m[1].trim().split(/\s+/) : [];
})();

/** Raise the soft fd limit as far as allowed, then exec (the PID stays). */
const EXEC_WITH_LIMITS = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';

export function pinned(core: number | null, argv: string[]): { cmd: string; args: string[] } {
  const wrapped = ['bash', '-c', EXEC_WITH_LIMITS, 'bash', ...argv];
  if (core === null) return { cmd: wrapped[0] as string, args: wrapped.slice(1) };
  return { cmd: 'taskset', args: ['-c', String(core), ...wrapped] };
}

export function fdLimits(): { soft: number; hard: number; raised: number } {
  const r = spawnSync(
    'bash',
    ['-c', `ulimit -n; ulimit -Hn; ${EXEC_WITH_LIMITS.replace('exec "$@"', 'ulimit -n')}`],
    {
      encoding: 'utf8',
    },
  );
  const [soft = '0', hard = '0', raised = '0'] = r.stdout.trim().split('\n');
  const num = (s: string): number => (s === 'unlimited' ? 1 << 30 : Number(s));
  return { soft: num(soft), hard: num(hard), raised: num(raised) };
}

let nextPort = 19000 + Math.floor(Math.random() * 800);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const port = nextPort;
    nextPort = nextPort >= 19999 ? 19000 : nextPort + 1;
    if (await portFree(port)) return port;
  }
  throw new Error('no free port in 19000–19999');
}

export interface ServerSpec {
  kind: ServerKind;
  label: string;
  script: string;
  /** Node flags before the script (Switchboard: those of `npm start`). */
  nodeFlags?: readonly string[];
  /** Creates the data directory for one run (fresh), or null. */
  dataDir: () => string | null;
  env: Record<string, string>;
}

export class ServerProcess {
  child: ChildProcess | null = null;
  pid = 0;
  port = 0;
  url = '';
  output = '';
  /** CPU seconds of processes of this server that were killed (restart in the storm). */
  deadCpu = 0;

  constructor(
    readonly spec: ServerSpec,
    readonly core: number | null,
    readonly dataDir: string | null,
    private readonly nodeArgs: string[] = [],
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  async start(port?: number): Promise<void> {
    this.port = port ?? (await freePort());
    this.url = `http://127.0.0.1:${this.port}`;
    const { cmd, args } = pinned(this.core, [
      process.execPath,
      ...(this.spec.nodeFlags ?? []),
      ...this.nodeArgs,
      this.spec.script,
    ]);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PORT: String(this.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...this.spec.env,
      ...this.extraEnv,
    };
    if (this.dataDir) env.DATA_DIR = this.dataDir;
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.pid = child.pid ?? 0;
    // BENCH_SERVER_LOG=<file>: also append the server's stdout/stderr there (all restarts).
    const logFile = process.env.BENCH_SERVER_LOG;
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-20_000);
      if (logFile) appendFileSync(logFile, d);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${this.spec.label} exited early (${child.exitCode ?? child.signalCode}):\n${this.output}`,
        );
      }
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.ok) {
          const argv0 = processCmdline(this.pid)[0] ?? '';
          if (!argv0.endsWith('node') && argv0 !== process.execPath) {
            throw new Error(`PID ${this.pid} is ${argv0}, not the node server`);
          }
          return;
        }
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('PID')) throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.spec.label} not ready on ${this.url} within 30 s:\n${this.output}`);
  }

  cpuSeconds(): number {
    const c = processCpuSeconds(this.pid);
    return (Number.isFinite(c) ? c : 0) + this.deadCpu;
  }

  /** Stops the server by PID and waits for it to exit (SIGTERM, then SIGKILL after 15 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (signal === 'SIGKILL') this.deadCpu += processCpuSeconds(this.pid) || 0;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(this.pid, signal);
    const t = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(this.pid, 'SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(t);
    this.child = null;
  }

  dispose(): void {
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function freshDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Copies a prepared data directory (seeded DB) into a fresh one. */
export function copyDir(template: string, prefix: string): string {
  const dir = freshDir(prefix);
  for (const f of readdirSync(template)) cpSync(join(template, f), join(dir, f), { recursive: true });
  return dir;
}

export function switchboardAvailable(): boolean {
  return existsSync(SWITCHBOARD_MAIN);
}
