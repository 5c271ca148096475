/**
 * Local socket registry and fan-out: which sockets of THIS process hold which topics.
 * Frames are serialized once and published on the bus; the bus hands each envelope to
 * `deliver`, which sends the same string to the union of local subscribers. While a socket
 * replays history its live frames are held and follow `synced`.
 *
 * How a frame then reaches the socket (size bound, corking, backpressure, close deadlines)
 * and the heartbeat sweep live in one outbound module, `ws/outbound.ts`.
 */

import { CloseCode, type ServerFrame } from '@switchboard/protocol';
import { Members } from './bus/members.js';
import type { Bus, BusEnvelope } from './bus/types.js';
import { Timers } from './timers.js';
import { Outbound, type OutboundClient } from './ws/outbound.js';

export interface HubClient extends OutboundClient {
  /** The topics this socket holds (a handful: an array is smaller than a Set). */
  readonly topics: string[];
  /** While replaying history, live frames wait here and follow `synced`. */
  held: string[] | null;
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
  /** permessage-deflate's threshold when it is on (null/absent: off). */
  deflateThreshold?: number | null;
}

export interface HubStats {
  sockets: number;
  topics: number;
  subscriptions: number;
}

export class Hub {
  private readonly clients = new Set<HubClient>();
  private readonly topics = new Members<string, HubClient>();
  private readonly maxHeld: number;
  private readonly out: Outbound<HubClient>;

  constructor(
    private readonly bus: Bus,
    opts: HubOptions,
  ) {
    this.maxHeld = opts.maxHeldFrames ?? 10_000;
    this.out = new Outbound(this.clients, {
      maxBufferedBytes: opts.maxBufferedBytes,
      maxFrameBytes: opts.maxFrameBytes,
      heartbeatMs: opts.heartbeatMs,
      closeGraceMs: opts.closeGraceMs,
      timers: opts.timers ?? new Timers(),
      deflateThreshold: opts.deflateThreshold ?? null,
    });
  }

  /** Called when a socket is closed for backpressure (metrics). */
  set onSlowConsumer(fn: (() => void) | null) {
    this.out.onSlowConsumer = fn;
  }

  /** Called with a frame's type and size when it was too large to send (a bug to log). */
  set onOversize(fn: ((type: string, bytes: number) => void) | null) {
    this.out.onOversize = fn;
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
    this.out.forget(c);
    for (const t of c.topics) this.detach(c, t);
    c.topics.length = 0;
    c.held = null;
  }

  /**
   * Subscribes a socket to a topic. Resolves once frames published on any node reach it (a
   * round trip to Redis for the first local subscriber of a topic): await it before reading
   * the history that the live frames continue.
   */
  subscribe(c: HubClient, topic: string): Promise<void> {
    if (c.topics.includes(topic)) return this.bus.subscribe(topic, this.deliver);
    c.topics.push(topic);
    this.topics.add(topic, c);
    return this.bus.subscribe(topic, this.deliver);
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

  /** Whether another node has a socket on a topic (set by the cluster view; null: one node). */
  remoteHolds: ((topic: string) => boolean) | null = null;

  /** A socket on this node or another holds the topic (e.g. the visitor has a tab open). */
  heldAnywhere(topic: string): boolean {
    return this.topics.has(topic) || (this.remoteHolds?.(topic) ?? false);
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
    if (this.out.fits(frame.type, payload)) this.bus.publish(topics, payload);
  }

  /** A frame for one socket (welcome, history, ack, error…), bypassing the replay hold. */
  send(c: HubClient, frame: ServerFrame): void {
    const payload = JSON.stringify(frame);
    if (this.out.fits(frame.type, payload)) this.out.write(c, payload);
  }

  /**
   * Like `send`, for the pages of a replay: resolves once the frame has left for the kernel
   * (or the socket is gone), so a client that does not read holds at most one page in our
   * memory instead of the whole conversation.
   */
  sendPaced(c: HubClient, frame: ServerFrame): Promise<void> {
    const payload = JSON.stringify(frame);
    if (!this.out.fits(frame.type, payload)) return Promise.resolve();
    return this.out.writePaced(c, payload);
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
    this.out.write(c, payload);
  }

  /** End a replay: deliver the live frames that arrived meanwhile, in order. */
  release(c: HubClient): void {
    const held = c.held;
    c.held = null;
    if (held) for (const p of held) this.out.write(c, p);
  }

  close(c: HubClient, code: number, reason: string): void {
    this.out.close(c, code, reason);
  }

  startHeartbeat(): void {
    this.out.startHeartbeat();
  }

  /** One sweep over every socket: terminate those that missed the previous ping, ping the rest. */
  sweep(): void {
    this.out.sweep();
  }

  stopHeartbeat(): void {
    this.out.stopHeartbeat();
  }

  /** Graceful shutdown: every socket gets `code` (4503 Restarting) and resumes elsewhere/later. */
  closeAll(code: number, reason: string): void {
    this.out.closeAll(code, reason);
  }

  /** Sockets that did not finish their close handshake in time. */
  terminateAll(): void {
    this.out.terminateAll();
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
