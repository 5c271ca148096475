/**
 * Local socket registry: which sockets of THIS process hold which topics. Frames are
 * serialized once and published on the bus; the bus hands each envelope to `deliver`,
 * which sends the same string to the union of local subscribers.
 *
 * Also owns the two per-socket safety nets that must not be per-socket timers:
 * - heartbeat: ONE interval for all sockets (isAlive flag, ws ping, terminate on a missed pong);
 * - backpressure: a socket whose send buffer exceeds the limit is closed with 4413 and resumes.
 *
 * A socket we close gets `closeGraceMs` to finish the closing handshake, then it is
 * terminated: a slow consumer may never read as far as our close frame, and its unsent
 * buffer must not stay in memory for ws's own 30 s close timeout.
 */

import type { Socket } from 'node:net';
import { CloseCode, type ServerFrame } from '@switchboard/protocol';
import type { WebSocket } from 'ws';
import { Members } from './bus/members.js';
import type { Bus, BusEnvelope } from './bus/types.js';
import { Timers } from './timers.js';

export interface HubClient {
  readonly ws: WebSocket;
  isAlive: boolean;
  /** The topics this socket holds (a handful: an array is smaller than a Set). */
  readonly topics: string[];
  /** While replaying history, live frames wait here and follow `synced`. */
  held: string[] | null;
  closing: boolean;
}

export interface HubOptions {
  maxBufferedBytes: number;
  /** No frame larger than this is sent: it is dropped and reported through `onOversize`. */
  maxFrameBytes?: number;
  heartbeatMs: number;
  /** Live frames held during a replay beyond this count close the socket (it resumes). */
  maxHeldFrames?: number;
  /** After we close a socket, terminate it if the peer has not completed the close by then. */
  closeGraceMs?: number;
  /** The app's timer registry (default: a private one). */
  timers?: Timers;
}

export interface HubStats {
  sockets: number;
  topics: number;
  subscriptions: number;
}

export class Hub {
  private readonly clients = new Set<HubClient>();
  private readonly topics = new Members<string, HubClient>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly maxHeld: number;
  private readonly closeGraceMs: number;
  private readonly timers: Timers;
  /** Sockets we closed that have not finished closing yet → their terminate deadline. */
  private readonly closeDeadlines = new Map<HubClient, NodeJS.Timeout>();
  /** TCP sockets corked in this turn; uncorked together once the turn's work is done. */
  private corked: Socket[] = [];
  /** Called when a socket is closed for backpressure (metrics). */
  onSlowConsumer: (() => void) | null = null;
  /** Called with a frame's type and size when it was too large to send (a bug to log). */
  onOversize: ((type: string, bytes: number) => void) | null = null;
  private readonly maxFrameBytes: number;

  constructor(
    private readonly bus: Bus,
    private readonly opts: HubOptions,
  ) {
    this.maxHeld = opts.maxHeldFrames ?? 10_000;
    this.closeGraceMs = opts.closeGraceMs ?? 2000;
    this.maxFrameBytes = opts.maxFrameBytes ?? Number.POSITIVE_INFINITY;
    this.timers = opts.timers ?? new Timers();
  }

  /** The bus handler: one call per envelope, however many of its topics we hold. */
  private readonly deliver = (env: BusEnvelope): void => {
    const payload = env.payload;
    if (env.topics.length === 1) {
      this.topics.forEach(env.topics[0] as string, (c) => this.sendRaw(c, payload));
      return;
    }
    const seen = new Set<HubClient>();
    for (const t of env.topics) {
      this.topics.forEach(t, (c) => {
        if (seen.has(c)) return;
        seen.add(c);
        this.sendRaw(c, payload);
      });
    }
  };

  add(c: HubClient): void {
    this.clients.add(c);
  }

  /** Forget a socket and all its subscriptions (on close). */
  remove(c: HubClient): void {
    this.clients.delete(c);
    this.timers.clear(this.closeDeadlines.get(c));
    this.closeDeadlines.delete(c);
    for (const t of c.topics) this.detach(c, t);
    c.topics.length = 0;
    c.held = null;
  }

  subscribe(c: HubClient, topic: string): void {
    if (c.topics.includes(topic)) return;
    c.topics.push(topic);
    if (this.topics.add(topic, c)) this.bus.subscribe(topic, this.deliver);
  }

  unsubscribe(c: HubClient, topic: string): void {
    const i = c.topics.indexOf(topic);
    if (i < 0) return;
    c.topics.splice(i, 1);
    this.detach(c, topic);
  }

  private detach(c: HubClient, topic: string): void {
    if (this.topics.delete(topic, c)) this.bus.unsubscribe(topic, this.deliver);
  }

  /** Local sockets holding a topic (e.g. `visitor:<id>` → that visitor's open tabs). */
  topicSize(topic: string): number {
    return this.topics.count(topic);
  }

  /**
   * Whether a frame for these topics could reach anyone. With the in-process bus this
   * process holds every socket, so "no local subscriber" means nobody; another bus is
   * assumed to have remote subscribers.
   */
  mayHaveSubscribers(topics: readonly string[]): boolean {
    if (this.bus.kind !== 'memory') return topics.length > 0;
    for (const t of topics) if (this.topics.has(t)) return true;
    return false;
  }

  /** Serialize once, publish to every subscriber of any of the topics (on every node). */
  publish(topics: readonly string[], frame: ServerFrame): void {
    if (topics.length === 0) return;
    const payload = JSON.stringify(frame);
    if (this.fits(frame.type, payload)) this.bus.publish(topics, payload);
  }

  /** A frame for one socket (welcome, history, ack, error…), bypassing the replay hold. */
  send(c: HubClient, frame: ServerFrame): void {
    const payload = JSON.stringify(frame);
    if (this.fits(frame.type, payload)) this.write(c, payload);
  }

  /**
   * Like `send`, for the pages of a replay: resolves once the frame has left for the kernel
   * (or the socket is gone), so a client that does not read holds at most one page in our
   * memory instead of the whole conversation.
   */
  sendPaced(c: HubClient, frame: ServerFrame): Promise<void> {
    const payload = JSON.stringify(frame);
    if (!this.fits(frame.type, payload)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        c.ws.off('close', done);
        resolve();
      };
      c.ws.once('close', done);
      if (!this.write(c, payload, done)) done();
    });
  }

  /** Every outgoing frame is bounded: one too large is a bug, reported and not sent. */
  private fits(type: string, payload: string): boolean {
    // UTF-16 length × 3 bounds the UTF-8 size: count bytes only when it could matter.
    if (payload.length * 3 <= this.maxFrameBytes) return true;
    const bytes = Buffer.byteLength(payload);
    if (bytes <= this.maxFrameBytes) return true;
    this.onOversize?.(type, bytes);
    return false;
  }

  private sendRaw(c: HubClient, payload: string): void {
    if (c.held !== null) {
      if (c.held.length >= this.maxHeld) {
        this.close(c, CloseCode.SlowConsumer, 'SlowConsumer');
        return;
      }
      c.held.push(payload);
      return;
    }
    this.write(c, payload);
  }

  /** End a replay: deliver the live frames that arrived meanwhile, in order. */
  release(c: HubClient): void {
    const held = c.held;
    c.held = null;
    if (held) for (const p of held) this.write(c, p);
  }

  /** Whether the frame was handed to the socket (`sent` is then called once it is written). */
  private write(c: HubClient, payload: string, sent?: () => void): boolean {
    if (c.closing || c.ws.readyState !== 1) return false;
    if (c.ws.bufferedAmount > this.opts.maxBufferedBytes && this.overLimitUncorked(c.ws)) {
      // Do not grow memory without bound for a client that cannot keep up: drop it; it resumes.
      this.onSlowConsumer?.();
      this.close(c, CloseCode.SlowConsumer, 'SlowConsumer');
      return false;
    }
    this.cork(c.ws);
    if (sent) c.ws.send(payload, sent);
    else c.ws.send(payload);
    return true;
  }

  /**
   * Every frame a socket gets in one turn (an ack and the echo; an agent's messages of a
   * whole group commit) leaves in one `writev`: cork the TCP socket at its first frame and
   * uncork all corked sockets once the current callback and its microtasks are done.
   */
  private cork(ws: WebSocket): void {
    const sock = (ws as unknown as { _socket?: Socket })._socket;
    if (!sock || sock.writableCorked > 0) return;
    sock.cork();
    if (this.corked.push(sock) === 1) process.nextTick(this.uncorkAll);
  }

  /**
   * Bytes we hold back by corking are not the peer's fault: flush them to the kernel first
   * (the write is attempted synchronously) and judge by what is still unsent.
   */
  private overLimitUncorked(ws: WebSocket): boolean {
    const sock = (ws as unknown as { _socket?: Socket })._socket;
    if (sock && sock.writableCorked > 0) {
      sock.uncork();
      return ws.bufferedAmount > this.opts.maxBufferedBytes;
    }
    return true;
  }

  private readonly uncorkAll = (): void => {
    const list = this.corked;
    this.corked = [];
    for (const s of list) s.uncork();
  };

  close(c: HubClient, code: number, reason: string): void {
    if (c.closing) return;
    c.closing = true;
    try {
      c.ws.close(code, reason);
    } catch {
      c.ws.terminate();
      return;
    }
    if (this.clients.has(c)) {
      this.closeDeadlines.set(
        c,
        this.timers.timeout(() => {
          this.closeDeadlines.delete(c);
          c.ws.terminate();
        }, this.closeGraceMs),
      );
    }
  }

  startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = this.timers.interval(() => this.sweep(), this.opts.heartbeatMs);
  }

  /** One sweep over every socket: terminate those that missed the previous ping, ping the rest. */
  sweep(): void {
    for (const c of this.clients) {
      if (!c.isAlive) {
        c.closing = true;
        c.ws.terminate();
        continue;
      }
      c.isAlive = false;
      try {
        c.ws.ping();
      } catch {
        c.ws.terminate();
      }
    }
  }

  stopHeartbeat(): void {
    this.timers.clear(this.heartbeat);
    this.heartbeat = null;
  }

  /** Graceful shutdown: every socket gets `code` (4503 Restarting) and resumes elsewhere/later. */
  closeAll(code: number, reason: string): void {
    for (const c of this.clients) this.close(c, code, reason);
  }

  /** Sockets that did not finish their close handshake in time. */
  terminateAll(): void {
    for (const c of this.clients) {
      c.closing = true;
      c.ws.terminate();
    }
    for (const t of this.closeDeadlines.values()) this.timers.clear(t);
    this.closeDeadlines.clear();
  }

  /** Every local socket (diagnostics and tests). */
  clientList(): HubClient[] {
    return [...this.clients];
  }

  get size(): number {
    return this.clients.size;
  }

  stats(): HubStats {
    return { sockets: this.clients.size, topics: this.topics.size, subscriptions: this.topics.total() };
  }
}
