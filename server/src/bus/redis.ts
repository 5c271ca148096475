/**
 * Redis bus (ioredis): one Redis channel per topic (`<prefix>t:<topic>`), two connections —
 * a subscriber (subscribe mode) and a publisher.
 *
 * - `publish` delivers to this node's handlers at once, then sends the envelope to the
 *   channel of each of its topics (one PUBLISH, or one script publishing on each channel); a
 *   node ignores envelopes it published itself, and one subscribed to several topics of an
 *   envelope delivers it once (recent ids are kept).
 * - `subscribe` resolves when Redis confirmed the SUBSCRIBE: from then on, an envelope
 *   published on any node reaches us, so the gateway subscribes, awaits, then reads history.
 * - Redis down: local delivery goes on; envelopes for other nodes are dropped and counted
 *   (the messages themselves are committed in the database, and clients catch up when they
 *   resume); subscriptions resolve at once and ioredis re-subscribes when Redis is back.
 *
 * Wire format of a channel message: `<origin> <id> <topic> <topic>…\n<payload>`.
 */
// ioredis is loaded by `open` only: a single node (no REDIS_URL) never loads it.
import type { Redis, Result } from 'ioredis';
import { deliverLocally, newNodeId } from './in-process.js';
import { Members } from './members.js';
import type { Bus, BusHandler, BusState } from './types.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** 0 (no keys), the message, then the channels it is published on. */
    sbPublish(numKeys: 0, message: string, ...channels: string[]): Result<number, Context>;
  }
}

/** PUBLISH of one message on several channels (channels are not keys: passed as ARGV). */
const PUBLISH_MANY = `for i = 2, #ARGV do redis.call('PUBLISH', ARGV[i], ARGV[1]) end
return #ARGV - 1`;

export interface RedisBusOptions {
  /** Channel and key prefix shared by every node of one installation (default `sb:`). */
  prefix?: string;
  /** Connection events: lost, back (one line each, not one per retry). */
  log?: (level: 'info' | 'warn', msg: string, extra?: Record<string, unknown>) => void;
  /** How long `ping` waits for PONG. */
  pingTimeoutMs?: number;
}

/** Envelope ids remembered for de-duplication (a multi-topic envelope arrives once per topic). */
const RECENT_IDS = 4096;
const READY = Promise.resolve();

export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  readonly node = newNodeId();
  private readonly handlers = new Members<string, BusHandler>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly recent = new Set<string>();
  private readonly prefix: string;
  private readonly channelPrefix: string;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private seq = 0;
  private failures = 0;
  private up = false;
  private closed = false;
  private readonly pingTimeoutMs: number;
  /** Connection lost / back (the gateway points it at its logger). */
  log: NonNullable<RedisBusOptions['log']>;
  /** Called when Redis is back after an outage (the cluster view re-syncs). */
  onReconnected: (() => void) | null = null;

  private constructor(url: string, opts: RedisBusOptions, RedisClient: typeof Redis) {
    this.prefix = opts.prefix ?? 'sb:';
    this.channelPrefix = `${this.prefix}t:`;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 2000;
    this.log = opts.log ?? (() => undefined);
    const common = { lazyConnect: true, connectTimeout: 5000, connectionName: `switchboard-${this.node}` };
    // The publisher never queues: while Redis is away a publish fails at once (counted).
    // Auto-pipelining: the PUBLISHes of one turn (a frame goes to each of its topics) leave in one write.
    this.pub = new RedisClient(url, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      enableAutoPipelining: true,
    });
    // The subscriber queues its (few) SUBSCRIBE/UNSUBSCRIBE commands until Redis is back.
    this.sub = new RedisClient(url, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });
    this.pub.defineCommand('sbPublish', { lua: PUBLISH_MANY });
    this.sub.on('message', (channel: string, message: string) => this.receive(channel, message));
    for (const [name, conn] of [
      ['publisher', this.pub],
      ['subscriber', this.sub],
    ] as const) {
      conn.on('error', () => undefined); // reported through 'close' / 'ready' below
      conn.on('close', () => this.changed(false, name));
      conn.on('ready', () => this.changed(true, name));
    }
  }

  /** Connects both connections; throws with a clear message when Redis cannot be reached. */
  static async open(url: string, opts: RedisBusOptions = {}): Promise<RedisBus> {
    const { Redis: RedisClient } = await import('ioredis');
    const bus = new RedisBus(url, opts, RedisClient);
    try {
      await Promise.all([bus.pub.connect(), bus.sub.connect()]);
    } catch (err) {
      bus.closed = true;
      bus.pub.disconnect();
      bus.sub.disconnect();
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`REDIS_URL: cannot reach Redis (${why})`);
    }
    bus.up = true;
    return bus;
  }

  private changed(ready: boolean, which: string): void {
    if (this.closed) return;
    const up = ready && this.pub.status === 'ready' && this.sub.status === 'ready';
    if (up === this.up) return;
    this.up = up;
    if (up) {
      this.log('info', 'redis bus connected again: frames reach other nodes');
      this.onReconnected?.();
    } else
      this.log('warn', 'redis bus lost: local sockets keep working, other nodes miss live frames', {
        connection: which,
      });
  }

  publish(topics: readonly string[], payload: string): void {
    if (topics.length === 0) return;
    deliverLocally(this.handlers, { topics, payload, origin: this.node });
    if (this.closed) return;
    const message = `${this.node} ${++this.seq} ${topics.join(' ')}\n${payload}`;
    const first = topics[0];
    // One command per envelope: a frame for several topics is one script call, not a PUBLISH each.
    const sent =
      topics.length === 1 && first !== undefined
        ? this.pub.publish(this.channelPrefix + first, message)
        : this.pub.sbPublish(0, message, ...topics.map((t) => this.channelPrefix + t));
    sent.catch(() => {
      this.failures += topics.length;
    });
  }

  private receive(channel: string, message: string): void {
    const nl = message.indexOf('\n');
    if (nl < 0 || !channel.startsWith(this.channelPrefix)) return;
    const header = message.slice(0, nl).split(' ');
    const origin = header[0];
    if (origin === undefined || origin === this.node || header.length < 3) return;
    const topics = header.slice(2);
    if (topics.length > 1) {
      const key = `${origin} ${header[1]}`;
      if (this.recent.has(key)) return;
      this.recent.add(key);
      if (this.recent.size > RECENT_IDS) {
        const [oldest] = this.recent;
        if (oldest !== undefined) this.recent.delete(oldest);
      }
    }
    deliverLocally(this.handlers, { topics, payload: message.slice(nl + 1), origin });
  }

  subscribe(topic: string, handler: BusHandler): Promise<void> {
    const first = this.handlers.add(topic, handler);
    if (!first) return this.pending.get(topic) ?? READY;
    if (this.closed) return READY;
    const made = this.sub.subscribe(this.channelPrefix + topic).then(
      () => undefined,
      () => undefined, // the connection closed meanwhile: re-subscribed when it is back
    );
    if (this.sub.status !== 'ready') return READY;
    const p = made.then(() => {
      if (this.pending.get(topic) === p) this.pending.delete(topic);
    });
    this.pending.set(topic, p);
    return p;
  }

  unsubscribe(topic: string, handler: BusHandler): void {
    if (!this.handlers.delete(topic, handler) || this.closed) return;
    this.pending.delete(topic);
    this.sub.unsubscribe(this.channelPrefix + topic).catch(() => undefined);
  }

  /** Topics with at least one handler (tests check this returns to baseline). */
  get topicCount(): number {
    return this.handlers.size;
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis ping timed out')), this.pingTimeoutMs);
    });
    try {
      await Promise.race([this.pub.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  state(): BusState {
    return { connected: this.up, publishFailures: this.failures };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.pending.clear();
    await Promise.all(
      [this.pub, this.sub].map((c) =>
        c.status === 'ready'
          ? c.quit().then(
              () => undefined,
              () => c.disconnect(),
            )
          : c.disconnect(),
      ),
    );
  }
}
