/**
 * The load generator: one process (pinned to its own core by the orchestrator), started per
 * scenario × server. It receives `{type:'start', config, target}` over IPC, drives the server
 * through the protocol adapter, reads the server's CPU and RSS from /proc/<pid>, and answers
 * with `{type:'result'}`. Every loop here is bounded in count and time.
 */

import { socketioAdapter } from './adapters/socketio.js';
import { switchboardAdapter } from './adapters/switchboard.js';
import type { Adapter, AgentClient, VisitorClient } from './adapters/types.js';
import { wsRelayAdapter } from './adapters/ws-relay.js';
import { Driver } from './driver.js';
import { runLighthouse } from './lighthouse.js';
import { processCpuSeconds, processRssKB, selfCpuSeconds } from './proc.js';
import { Recorder } from './recorder.js';
import type {
  BurstConfig,
  BurstResult,
  BurstStep,
  FromLoadgen,
  IdleConfig,
  IdleResult,
  ScenarioResult,
  StormConfig,
  StormResult,
  SupportConfig,
  Target,
  ToLoadgen,
  TrafficConfig,
  TrafficStats,
} from './types.js';
import { runWidget } from './widget.js';
import { runWidgetLoad } from './widget-load.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function send(msg: FromLoadgen): void {
  process.send?.(msg);
}

function log(text: string): void {
  send({ type: 'log', text });
}

function makeAdapter(target: Target, rec: Recorder, reconnect: boolean): Adapter {
  const opts = { url: target.url, sink: rec, reconnect };
  switch (target.kind) {
    case 'switchboard':
      return switchboardAdapter({
        ...opts,
        seededAgents: target.seededAgents,
        offerDeflate: target.offerDeflate,
      });
    case 'switchboard-2n':
      return switchboardAdapter({
        ...opts,
        agentUrl: target.agentUrl,
        seededAgents: target.seededAgents,
        offerDeflate: target.offerDeflate,
      });
    case 'socketio':
      return socketioAdapter(opts);
    case 'ws-relay':
      return wsRelayAdapter(opts);
  }
}

/** Runs fn(i) for i in [from, to) with at most `inFlight` at once. */
async function pool(
  from: number,
  to: number,
  inFlight: number,
  fn: (i: number) => Promise<void>,
): Promise<{ failed: number; firstError: string | null }> {
  let next = from;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      try {
        await fn(i);
      } catch (e) {
        failed++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, Math.max(0, to - from)) }, worker));
  return { failed, firstError };
}

async function sampleRss(pid: number, samples = 3, gapMs = 250): Promise<number> {
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(gapMs);
    sum += processRssKB(pid);
  }
  return sum / samples;
}

// ---------------------------------------------------------------- idle

async function runIdle(cfg: IdleConfig, target: Target): Promise<IdleResult> {
  const maxN = Math.max(...cfg.steps);
  const rec = new Recorder(maxN, 0, 0, 0);
  const adapter = makeAdapter(target, rec, false);
  await adapter.setup(0);
  await sleep(1000);
  const baseRssKB = await sampleRss(target.pid);
  const visitors: VisitorClient[] = [];
  const steps: IdleResult['steps'] = [];
  let connected = 0;
  let totalConnectMs = 0;
  let totalFailed = 0;
  let connectCpuSeconds = 0;
  for (const n of cfg.steps) {
    const t0 = performance.now();
    const cpu0 = serverCpuSeconds(target);
    const r = await pool(connected, n, cfg.inFlight, async (i) => {
      visitors[i] = await adapter.connectVisitor(i);
    });
    const ms = performance.now() - t0;
    const stepCpu = serverCpuSeconds(target) - cpu0;
    connectCpuSeconds += stepCpu;
    if (r.firstError) log(`idle: ${r.failed} connections failed, first: ${r.firstError}`);
    totalConnectMs += ms;
    totalFailed += r.failed;
    const added = n - connected;
    connected = n;
    await sleep(2000);
    const rssKB = await sampleRss(target.pid);
    steps.push({
      n,
      rssKB,
      rssPerConnKB: (rssKB - baseRssKB) / n,
      connectPerSec: (added - r.failed) / (ms / 1000),
      cpuUsPerJoin: added - r.failed > 0 ? (stepCpu * 1e6) / (added - r.failed) : Number.NaN,
      failed: r.failed,
    });
    log(`idle: ${n} connected in ${Math.round(ms)} ms, RSS ${Math.round(rssKB / 1024)} MB`);
    if (r.failed > added / 2) break;
  }
  const last = steps[steps.length - 1];
  const prev = steps[steps.length - 2];
  const first = steps[0];
  const second = steps[1];
  const held = visitors.filter((v) => v?.ready).length;
  adapter.close();
  return {
    steps,
    baseRssKB,
    marginalKB: last && prev ? (last.rssKB - prev.rssKB) / (last.n - prev.n) : Number.NaN,
    marginalFrom: prev?.n ?? 0,
    marginalTo: last?.n ?? 0,
    marginalLowKB: first && second ? (second.rssKB - first.rssKB) / (second.n - first.n) : Number.NaN,
    connectPerSec: (connected - totalFailed) / (totalConnectMs / 1000),
    cpuUsPerJoin:
      connected - totalFailed > 0 ? (connectCpuSeconds * 1e6) / (connected - totalFailed) : Number.NaN,
    held,
  };
}

// ---------------------------------------------------------------- traffic (support, burst, storm)

/** CPU seconds of every server process of the target (two nodes: both). */
function serverCpuSeconds(target: Target): number {
  return [target.pid, ...(target.extraPids ?? [])].reduce((s, pid) => s + processCpuSeconds(pid), 0);
}

function serverRssKB(target: Target): number {
  return [target.pid, ...(target.extraPids ?? [])].reduce((s, pid) => s + processRssKB(pid), 0);
}

interface Topology {
  adapter: Adapter;
  rec: Recorder;
  visitors: VisitorClient[];
  agents: AgentClient[];
}

async function setupTopology(cfg: TrafficConfig, target: Target, reconnect: boolean): Promise<Topology> {
  const rec = new Recorder(cfg.visitors, cfg.agents, cfg.replyEvery, cfg.agentReplyPerSec);
  const adapter = makeAdapter(target, rec, reconnect);
  await adapter.setup(cfg.agents);
  const agents: AgentClient[] = [];
  for (let a = 0; a < cfg.agents; a++) agents[a] = await adapter.connectAgent(a);
  rec.agents = agents;
  const visitors: VisitorClient[] = [];
  const t0 = performance.now();
  const c = await pool(0, cfg.visitors, cfg.inFlight, async (v) => {
    visitors[v] = await adapter.connectVisitor(v);
  });
  if (c.failed > 0) throw new Error(`${c.failed} visitors failed to connect: ${c.firstError}`);
  const a = await pool(0, cfg.visitors, Math.min(cfg.inFlight, 50), (v) => adapter.assign(v, v % cfg.agents));
  if (a.failed > 0) throw new Error(`${a.failed} assignments failed: ${a.firstError}`);
  log(
    `topology: ${cfg.visitors} visitors, ${cfg.agents} agents ready in ${Math.round(performance.now() - t0)} ms`,
  );
  await sleep(500);
  return { adapter, rec, visitors, agents };
}

/** Waits until every message of the window reached its agent, or timeout / no progress. */
async function drain(rec: Recorder, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (rec.outstanding() === 0) break;
    await sleep(25);
  }
  await sleep(100); // echoes travel alongside; give the last ones a moment
}

/** One measured window at `rate` for `durationMs`. */
async function window(
  topo: Topology,
  target: Target,
  rate: number,
  durationMs: number,
  drainMs: number,
): Promise<TrafficStats> {
  const { rec } = topo;
  const driver = new Driver(topo.visitors, rec);
  rec.beginWindow();
  const f0 = topo.adapter.frameCounts?.() ?? null;
  const s0 = serverCpuSeconds(target);
  const g0 = selfCpuSeconds();
  const d = await driver.run(rate, durationMs);
  const s1 = serverCpuSeconds(target);
  const g1 = selfCpuSeconds();
  await drain(rec, drainMs);
  const s2 = serverCpuSeconds(target);
  const st = rec.windowStats();
  const seconds = d.elapsedMs / 1000;
  const f1 = topo.adapter.frameCounts?.() ?? null;
  let framesPerMessage: Record<string, number> | undefined;
  if (f0 && f1 && st.sent > 0) {
    framesPerMessage = {};
    for (const [type, n] of Object.entries(f1)) {
      const per = (n - (f0[type] ?? 0)) / st.sent;
      if (per > 0.001) framesPerMessage[type] = Math.round(per * 1000) / 1000;
    }
  }
  return {
    framesPerMessage,
    rate,
    durationMs: Math.round(d.elapsedMs),
    sent: st.sent,
    delivered: st.delivered,
    lost: st.lost,
    duplicated: st.duplicated,
    reordered: st.reordered,
    echoDelivered: st.echoDelivered,
    echoLost: st.echoLost,
    refused: st.refused,
    errors: st.errors,
    replies: st.replies,
    repliesDelivered: st.repliesDelivered,
    latency: st.latency,
    replyLatencyP99: st.replyLatencyP99,
    scheduleLagP99Ms: d.lagP99Ms,
    scheduleLagMaxMs: d.lagMaxMs,
    keptSchedule: d.lagP99Ms <= 20,
    serverCpu: (s1 - s0) / seconds,
    generatorCpu: (g1 - g0) / seconds,
    serverCpuUsPerMsg: st.delivered > 0 ? ((s2 - s0) * 1e6) / st.delivered : Number.NaN,
    rssKB: serverRssKB(target),
  };
}

/** Further wait in support when messages are missing after the drain: late, or lost? */
const LATE_GRACE_MS = 30_000;

async function runSupport(cfg: SupportConfig, target: Target): Promise<TrafficStats> {
  const topo = await setupTopology(cfg, target, false);
  try {
    const stats = await window(topo, target, cfg.rate, cfg.durationMs, cfg.drainMs);
    if (stats.lost > 0) {
      await drain(topo.rec, LATE_GRACE_MS);
      stats.stillMissingAfterGrace = topo.rec.outstanding();
      log(
        `support: ${stats.lost} not there after the drain, ${stats.stillMissingAfterGrace} still missing after +${LATE_GRACE_MS} ms`,
      );
    }
    log(
      `support: p99 ${stats.latency.p99.toFixed(1)} ms, lost ${stats.lost}, server CPU ${stats.serverCpu.toFixed(2)}`,
    );
    return stats;
  } finally {
    topo.adapter.close();
  }
}

function judge(s: TrafficStats, cfg: BurstConfig): BurstStep {
  const reasons: string[] = [];
  if (!(s.latency.p99 <= cfg.p99LimitMs)) reasons.push(`p99 ${s.latency.p99.toFixed(1)} ms`);
  if (s.lost > 0) reasons.push(`${s.lost} lost`);
  if (s.duplicated > 0) reasons.push(`${s.duplicated} duplicated`);
  if (s.refused > 0) reasons.push(`${s.refused} refused`);
  if (!s.keptSchedule) reasons.push(`generator lag p99 ${s.scheduleLagP99Ms.toFixed(1)} ms`);
  return { ...s, pass: reasons.length === 0, reason: reasons.join(', ') };
}

function ranOut(step: BurstStep): string {
  if (step.serverCpu >= 0.9) return `server CPU (${step.serverCpu.toFixed(2)} cores)`;
  if (step.generatorCpu >= 0.9 || !step.keptSchedule)
    return `generator CPU (${step.generatorCpu.toFixed(2)} cores)`;
  return `latency/loss before CPU saturation (server ${step.serverCpu.toFixed(2)}, generator ${step.generatorCpu.toFixed(2)} cores)`;
}

async function runBurst(cfg: BurstConfig, target: Target): Promise<BurstResult> {
  const topo = await setupTopology(cfg, target, false);
  const steps: BurstStep[] = [];
  const step = async (rate: number): Promise<BurstStep> => {
    const s = judge(await window(topo, target, Math.round(rate), cfg.stepMs, cfg.drainMs), cfg);
    steps.push(s);
    log(
      `burst ${Math.round(rate)}/s: p99 ${s.latency.p99.toFixed(1)} ms, lost ${s.lost}, server ${s.serverCpu.toFixed(2)}, gen ${s.generatorCpu.toFixed(2)} → ${s.pass ? 'pass' : `fail (${s.reason})`}`,
    );
    // Let a backlog from an overloaded step clear before the next one (bounded).
    if (!s.pass) await drain(topo.rec, 5000);
    await sleep(300);
    return s;
  };
  try {
    let lo = 0;
    let hi = Number.POSITIVE_INFINITY;
    let rate = cfg.startRate;
    let failedStep: BurstStep | null = null;
    for (let i = 0; i < cfg.maxLadderSteps && rate <= cfg.maxRate; i++) {
      const s = await step(rate);
      if (s.pass) {
        if (rate < hi) lo = rate;
      } else if (hi === Number.POSITIVE_INFINITY) {
        hi = rate;
        failedStep = s;
      }
      // Keep climbing until the first failure, but always measure the reference rate.
      if (!s.pass && rate >= cfg.referenceRate * 0.999) break;
      rate *= cfg.factor;
    }
    if (hi !== Number.POSITIVE_INFINITY) {
      let top = hi;
      for (let b = 0; b < cfg.bisections && top - lo > top * 0.05; b++) {
        const mid = lo === 0 ? top / cfg.factor : (lo + top) / 2;
        const s = await step(mid);
        if (s.pass) lo = mid;
        else {
          top = mid;
          failedStep = s;
        }
      }
    }
    const ref = steps.find((s) => Math.abs(s.rate - cfg.referenceRate) < 1);
    return {
      steps,
      knee: Math.round(lo),
      ranOut: failedStep ? ranOut(failedStep) : `nothing up to ${Math.round(lo)} msg/s (plan limit)`,
      p99AtReference: ref ? ref.latency.p99 : null,
      referenceRate: cfg.referenceRate,
    };
  } finally {
    topo.adapter.close();
  }
}

// ---------------------------------------------------------------- reconnect storm

let onRestarted: ((m: { pid: number; killedAt: number; upAt: number }) => void) | null = null;

async function runStorm(cfg: StormConfig, target: Target): Promise<StormResult> {
  const topo = await setupTopology(cfg, target, true);
  const { rec, visitors, agents } = topo;
  const driver = new Driver(visitors, rec);
  try {
    rec.beginWindow();
    const driving = driver.run(cfg.rate, Number.POSITIVE_INFINITY);
    await sleep(cfg.beforeKillMs);
    rec.trackAttempts = true;
    const restarted = new Promise<{ pid: number; killedAt: number; upAt: number }>((resolve) => {
      onRestarted = resolve;
    });
    send({ type: 'kill-now' });
    const r = await restarted;
    target.pid = r.pid;
    const everyone = (): number =>
      visitors.filter((v) => v.ready).length + agents.filter((a) => a.ready).length;
    const total = visitors.length + agents.length;
    let backAt: number | null = null;
    const deadline = r.upAt + cfg.backWithinMs;
    while (Date.now() < deadline) {
      if (everyone() === total) {
        backAt = Date.now();
        break;
      }
      await sleep(20);
    }
    const back = everyone();
    log(
      `storm: ${back}/${total} back ${backAt ? `${backAt - r.upAt} ms after the server was up` : 'NOT all back'}`,
    );
    await sleep(cfg.afterBackMs);
    driver.stop();
    await driving;
    // Bounded wait until every visitor's outbox is empty and every message reached its agent.
    const end = Date.now() + cfg.drainMs;
    while (Date.now() < end) {
      const pending = visitors.reduce((s, v) => s + v.pending, 0);
      if (pending === 0 && rec.outstanding() === 0) break;
      await sleep(50);
    }
    const st = rec.windowStats();
    // Peak attempts per second: sliding 1 s window over attempts made after the kill.
    const times = rec.attemptTimes.sort((x, y) => x - y);
    const peakOf = (ts: number[]): number => {
      let peak = 0;
      let j = 0;
      for (let i = 0; i < ts.length; i++) {
        while ((ts[i] ?? 0) - (ts[j] ?? 0) >= 1000) j++;
        peak = Math.max(peak, i - j + 1);
      }
      return peak;
    };
    const peak = peakOf(times);
    const peakAfterUp = peakOf(times.filter((t) => t >= r.upAt));
    return {
      visitors: visitors.length,
      backAfterUpMs: backAt ? backAt - r.upAt : null,
      backAfterKillMs: backAt ? backAt - r.killedAt : null,
      downMs: r.upAt - r.killedAt,
      allBack: backAt !== null,
      back,
      peakAttemptsPerSec: peak,
      peakAttemptsPerSecAfterUp: peakAfterUp,
      attempts: times.length,
      sent: st.sent,
      delivered: st.delivered,
      lost: st.lost,
      duplicated: st.duplicated,
      unacked: visitors.reduce((s, v) => s + v.pending, 0),
      errors: st.errors,
    };
  } finally {
    driver.stop();
    topo.adapter.close();
  }
}

// ---------------------------------------------------------------- main

async function run(msg: Extract<ToLoadgen, { type: 'start' }>): Promise<ScenarioResult> {
  const { config, target } = msg;
  switch (config.scenario) {
    case 'idle':
      return { scenario: 'idle', data: await runIdle(config, target) };
    case 'support':
      return { scenario: 'support', data: { stats: await runSupport(config, target) } };
    case 'burst':
      return { scenario: 'burst', data: await runBurst(config, target) };
    case 'reconnect-storm':
      return { scenario: 'reconnect-storm', data: await runStorm(config, target) };
    case 'widget':
      return { scenario: 'widget', data: await runWidget(config, target, log) };
    case 'widget-load':
      return { scenario: 'widget-load', data: await runWidgetLoad(config, target, log) };
    case 'lighthouse':
      return { scenario: 'lighthouse', data: await runLighthouse(config, target, log) };
  }
}

process.on('message', (msg: ToLoadgen) => {
  if (msg.type === 'server-restarted') {
    onRestarted?.(msg);
    onRestarted = null;
    return;
  }
  run(msg).then(
    (result) => {
      send({ type: 'result', result });
      setTimeout(() => process.exit(0), 200);
    },
    (e: unknown) => {
      send({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      setTimeout(() => process.exit(1), 200);
    },
  );
});
