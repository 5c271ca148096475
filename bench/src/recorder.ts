/**
 * Protocol-independent bookkeeping: every visitor message is `v|n|t` (visitor, per-visitor
 * counter, performance.now() at send); agents answer a share with `r|v|n|t`. Loss,
 * duplicates and order come from (v, n) pairs; latency from one clock (same process).
 */
import type { AgentClient, Sink } from './adapters/types.js';
import { percentile, sortedCopy } from './stats.js';

function grow(a: Uint8Array, n: number): Uint8Array {
  if (n < a.length) return a;
  let len = a.length;
  while (len <= n) len *= 2;
  const b = new Uint8Array(len);
  b.set(a);
  return b;
}

export interface WindowStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  echoDelivered: number;
  echoLost: number;
  replies: number;
  repliesDelivered: number;
  latency: { p50: number; p95: number; p99: number; max: number; count: number };
  replyLatencyP99: number;
  refused: number;
  errors: Record<string, number>;
}

export class Recorder implements Sink {
  readonly sentN: Int32Array;
  private readonly recv: Uint8Array[];
  private readonly echo: Uint8Array[];
  private readonly lastN: Int32Array;
  private startN: Int32Array;
  private latencies: number[] = [];
  private replyLatencies: number[] = [];
  private duplicated = 0;
  private reordered = 0;
  private replies = 0;
  private repliesDelivered = 0;
  misrouted = 0;
  errors: Record<string, number> = {};
  /** Connection attempts: timestamps (Date.now()) kept only while `trackAttempts` is set. */
  attemptTimes: number[] = [];
  trackAttempts = false;
  agents: AgentClient[] = [];
  private readonly replyTokens: Float64Array;
  private readonly replyRefillAt: Float64Array;

  constructor(
    readonly visitors: number,
    private readonly agentCount: number,
    private readonly replyEvery: number,
    private readonly agentReplyPerSec: number,
  ) {
    this.sentN = new Int32Array(visitors);
    this.startN = new Int32Array(visitors);
    this.lastN = new Int32Array(visitors).fill(-1);
    this.recv = Array.from({ length: visitors }, () => new Uint8Array(16));
    this.echo = Array.from({ length: visitors }, () => new Uint8Array(16));
    this.replyTokens = new Float64Array(Math.max(1, agentCount)).fill(Math.min(5, agentReplyPerSec * 2));
    this.replyRefillAt = new Float64Array(Math.max(1, agentCount)).fill(performance.now());
  }

  /** The next message of visitor v: its text (identity + send time) and n. */
  next(v: number): { n: number; text: string } {
    const n = this.sentN[v] ?? 0;
    this.sentN[v] = n + 1;
    return { n, text: `${v}|${n}|${performance.now().toFixed(2)}` };
  }

  /** Starts a measurement window: stats cover messages sent from now on. */
  beginWindow(): void {
    this.startN = Int32Array.from(this.sentN);
    this.latencies = [];
    this.replyLatencies = [];
    this.duplicated = 0;
    this.reordered = 0;
    this.replies = 0;
    this.repliesDelivered = 0;
    this.errors = {};
  }

  agentMessage(agent: number, text: string): void {
    const now = performance.now();
    const p1 = text.indexOf('|');
    const p2 = text.indexOf('|', p1 + 1);
    if (p1 < 0 || p2 < 0) return;
    const v = Number(text.slice(0, p1));
    const n = Number(text.slice(p1 + 1, p2));
    const t = Number(text.slice(p2 + 1));
    if (!Number.isInteger(v) || v < 0 || v >= this.visitors || !Number.isInteger(n)) return;
    if (this.agentCount > 0 && v % this.agentCount !== agent) this.misrouted++;
    let r = this.recv[v] as Uint8Array;
    if (n >= r.length) {
      r = grow(r, n);
      this.recv[v] = r;
    }
    const inWindow = n >= (this.startN[v] ?? 0);
    const count = r[n] ?? 0;
    r[n] = count < 255 ? count + 1 : 255;
    if (count > 0) {
      if (inWindow) this.duplicated++;
      return;
    }
    if (n < (this.lastN[v] ?? -1)) {
      if (inWindow) this.reordered++;
    } else this.lastN[v] = n;
    if (inWindow) this.latencies.push(now - t);
    if (this.replyEvery > 0 && n % this.replyEvery === 0) this.maybeReply(agent, v, n, now);
  }

  private maybeReply(agent: number, v: number, n: number, now: number): void {
    const client = this.agents[agent];
    if (!client?.ready) return;
    const tokens =
      (this.replyTokens[agent] ?? 0) +
      ((now - (this.replyRefillAt[agent] ?? now)) / 1000) * this.agentReplyPerSec;
    this.replyRefillAt[agent] = now;
    const cap = Math.min(5, this.agentReplyPerSec * 2);
    const have = Math.min(cap, tokens);
    if (have < 1) {
      this.replyTokens[agent] = have;
      return;
    }
    this.replyTokens[agent] = have - 1;
    this.replies++;
    client.reply(v, `r|${v}|${n}|${now.toFixed(2)}`);
  }

  visitorEcho(visitor: number, text: string): void {
    const p1 = text.indexOf('|');
    const p2 = text.indexOf('|', p1 + 1);
    if (p1 < 0 || p2 < 0) return;
    const n = Number(text.slice(p1 + 1, p2));
    if (!Number.isInteger(n) || n < 0) return;
    let e = this.echo[visitor];
    if (!e) return;
    if (n >= e.length) {
      e = grow(e, n);
      this.echo[visitor] = e;
    }
    const c = e[n] ?? 0;
    e[n] = c < 255 ? c + 1 : 255;
  }

  visitorReply(_visitor: number, text: string): void {
    if (!text.startsWith('r|')) return;
    const t = Number(text.slice(text.lastIndexOf('|') + 1));
    if (!Number.isFinite(t)) return;
    this.repliesDelivered++;
    this.replyLatencies.push(performance.now() - t);
  }

  error(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  attempt(): void {
    if (this.trackAttempts) this.attemptTimes.push(Date.now());
  }

  /** Messages of the window not yet seen by their agent. */
  outstanding(): number {
    let missing = 0;
    for (let v = 0; v < this.visitors; v++) {
      const r = this.recv[v] as Uint8Array;
      const end = this.sentN[v] ?? 0;
      for (let n = this.startN[v] ?? 0; n < end; n++) if ((r[n] ?? 0) === 0) missing++;
    }
    return missing;
  }

  windowStats(): WindowStats {
    let sent = 0;
    let delivered = 0;
    let echoDelivered = 0;
    for (let v = 0; v < this.visitors; v++) {
      const r = this.recv[v] as Uint8Array;
      const e = this.echo[v] as Uint8Array;
      const end = this.sentN[v] ?? 0;
      for (let n = this.startN[v] ?? 0; n < end; n++) {
        sent++;
        if ((r[n] ?? 0) > 0) delivered++;
        if ((e[n] ?? 0) > 0) echoDelivered++;
      }
    }
    const lat = sortedCopy(this.latencies);
    const rl = sortedCopy(this.replyLatencies);
    let refused = 0;
    for (const [code, count] of Object.entries(this.errors)) if (code.startsWith('SB_ERR')) refused += count;
    return {
      sent,
      delivered,
      lost: sent - delivered,
      duplicated: this.duplicated,
      reordered: this.reordered,
      echoDelivered,
      echoLost: sent - echoDelivered,
      replies: this.replies,
      repliesDelivered: this.repliesDelivered,
      latency: {
        p50: percentile(lat, 50),
        p95: percentile(lat, 95),
        p99: percentile(lat, 99),
        max: lat.length ? (lat[lat.length - 1] ?? Number.NaN) : Number.NaN,
        count: lat.length,
      },
      replyLatencyP99: percentile(rl, 99),
      refused,
      errors: { ...this.errors },
    };
  }
}
