/**
 * `Limits` kept in Redis, so a visitor's budgets, the socket caps and the sign-in backoff hold
 * across gateway nodes. Every operation is one Lua script (EVALSHA through ioredis
 * `defineCommand`), so it is atomic however many nodes call it.
 *
 * Keys (all under the `prefix` given to the constructor):
 * - `b:<key>`  token bucket, hash {t: tokens, l: last refill ms}. Expires when it would be full
 *   again (a full bucket is the same as none); a bucket that never refills after a day. A node
 *   does not ask it for every token: it leases several (`leaseSize`: what the bucket refills in
 *   `leaseMs`, at most `maxLease`, and only while the bucket holds twice that — else one) and
 *   spends them locally within `leaseMs`; a refusal is remembered until the next token is due.
 *   Across all nodes a key thus spends at most burst + refill × t + min(refill × leaseMs,
 *   (lease − 1) × nodes) in any interval t: the tokens still unspent in leases when it starts.
 * - `f:<key>`  sign-in failures, hash {c: count, u: wait-until ms}. Expires an hour after the
 *   last failure (or when the wait ends, if later), like MemoryLimits forgets them.
 * - `s:<key>`  slots, hash {<node id>: slots that node holds}. Each node writes its own
 *   field as an absolute count (its local count is the truth), so a lost reply or a retry can
 *   never leave a count stuck; node-local operations on one key are serialised to keep the
 *   writes in order.
 * - `nodes`    sorted set of node ids scored by "alive until" (ms, Redis clock). A node refreshes
 *   its score, and the expiry of the slot keys it holds, every `slotTtlMs / 3` (heartbeat) and on
 *   each acquire. An acquire counts only the fields of nodes still alive and deletes the others,
 *   so the slots of a node that died are free again within `slotTtlMs`. `close()` removes the
 *   node at once. A node that stalls longer than the TTL loses its slots in others' counts
 *   until its next heartbeat writes them back (more lenient meanwhile, never stricter).
 *
 * Time: buckets and backoff use the Redis server's clock (so nodes agree) unless a `now`
 * clock is given (tests); slot liveness always uses the Redis clock.
 *
 * Redis unreachable: no operation waits longer than `timeoutMs`, none throws. They fail open —
 * `take`/`acquire` allow, `backoff` says 0, `fail`/`succeed`/`release` do nothing in Redis (a
 * held slot is still counted locally and written on the next heartbeat) — count each such
 * operation in `degraded`, and log one warning when the trouble starts and one line when Redis
 * answers again. Given a URL, RedisLimits opens its own client without an offline queue (fails
 * fast, also until it has first connected); a client passed in keeps its owner's settings.
 * Single Redis (or one primary); not written for Redis Cluster.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type Result } from 'ioredis';
import type { BackoffRule, BucketRule, Limits } from './limits.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** [tokens granted (0 … lease), ms until the next token when 0 were granted]. */
    sbLimitsLease(
      bucket: string,
      burst: number,
      refillPerSec: number,
      now: number,
      lease: number,
    ): Result<[number, number], Context>;
    sbLimitsBackoff(failures: string, now: number): Result<number, Context>;
    /** ms to wait (nothing counted), or 0 with the attempt counted as failed. */
    sbLimitsAttempt(
      failures: string,
      freeFailures: number,
      baseMs: number,
      maxMs: number,
      now: number,
    ): Result<number, Context>;
    sbLimitsForgive(failures: string, freeFailures: number): Result<number, Context>;
    sbLimitsAcquire(
      slots: string,
      nodes: string,
      node: string,
      max: number,
      mine: number,
      ttlMs: number,
    ): Result<number, Context>;
    sbLimitsRelease(slots: string, node: string, mine: number, ttlMs: number): Result<number, Context>;
    /** numKeys, then the nodes key and the slot keys, then node, ttlMs and one count per slot key. */
    sbLimitsHeartbeat(...args: (string | number)[]): Result<number, Context>;
  }
}

/** What RedisLimits logs with (app.log fits). */
export interface LimitsLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface RedisLimitsOptions {
  /** A client (its owner closes it), or a URL (RedisLimits opens and closes its own client). */
  redis: Redis | string;
  /** Prepended to every key, e.g. `sb:limits:`. */
  prefix: string;
  /** This gateway node; unique per process (default: random). */
  nodeId?: string;
  /** A node's slots are freed this long after its last heartbeat (default 30 s). */
  slotTtlMs?: number;
  /** Longest wait for Redis before an operation fails open (default 500 ms). */
  timeoutMs?: number;
  /** Clock for buckets and backoff (tests); default: the Redis server's clock. */
  now?: () => number;
  /** How long a node may spend tokens it leased from a bucket (default 5 s; see `leaseSize`). */
  leaseMs?: number;
  /** Most tokens leased at once (default 10). */
  maxLease?: number;
  log?: LimitsLogger;
}

/** Day-long expiry for buckets that never refill (MemoryLimits keeps them; Redis must not forever). */
const NO_REFILL_TTL_MS = 24 * 60 * 60_000;
/** Like MemoryLimits: failures are forgotten an hour after the last one. */
const FAILURES_FORGET_MS = 60 * 60_000;
/** Slot keys written per heartbeat script call. */
const HEARTBEAT_CHUNK = 500;

// Shared by the scripts: ms from ARGV, or from the Redis clock when negative; and "make key
// live at least ttl more" without shortening what another node set.
const PRELUDE = `
local function now_ms(given)
  local n = tonumber(given)
  if n >= 0 then return n end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
local function write_mine(key, node, mine, ttl)
  if mine > 0 then
    redis.call('HSET', key, node, mine)
    extend(key, ttl)
  else
    redis.call('HDEL', key, node)
  end
end
`;

// A lease: `lease` tokens when the bucket holds at least twice that (so another node of the
// same key still finds some), else one, else none and the ms until the next token.
const LEASE = `${PRELUDE}
local burst, rate, now, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), now_ms(ARGV[3]), tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 't', 'l')
local tokens, last = tonumber(b[1]), tonumber(b[2])
if tokens == nil or last == nil then
  tokens, last = burst, now
elseif now > last then
  tokens = math.min(burst, tokens + (now - last) / 1000 * rate)
  last = now
end
local granted, wait = 0, 0
if tokens >= 2 * lease then
  granted = lease
elseif tokens >= 1 then
  granted = 1
elseif rate > 0 then
  wait = math.ceil((1 - tokens) / rate * 1000)
else
  wait = ${NO_REFILL_TTL_MS}
end
tokens = tokens - granted
redis.call('HSET', KEYS[1], 't', tokens, 'l', last)
local ttl = ${NO_REFILL_TTL_MS}
if rate > 0 then ttl = math.max(1, math.ceil((burst - tokens) / rate * 1000)) end
redis.call('PEXPIRE', KEYS[1], ttl)
return {granted, wait}
`;

const BACKOFF = `${PRELUDE}
local u = tonumber(redis.call('HGET', KEYS[1], 'u'))
if not u then return 0 end
return math.max(0, u - now_ms(ARGV[1]))
`;

// One script, so that concurrent attempts (on every node) cannot all pass one check.
const ATTEMPT = `${PRELUDE}
local free, base, max, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms(ARGV[4])
local u = tonumber(redis.call('HGET', KEYS[1], 'u')) or 0
if u > now then return math.ceil(u - now) end
local count = redis.call('HINCRBY', KEYS[1], 'c', 1)
local over = count - free + 1
if over > 0 then
  u = now + math.min(max, base * 2 ^ math.min(over - 1, 30))
  redis.call('HSET', KEYS[1], 'u', u)
end
redis.call('PEXPIRE', KEYS[1], math.max(${FAILURES_FORGET_MS}, u - now))
return 0
`;

const FORGIVE = `
local count = tonumber(redis.call('HGET', KEYS[1], 'c'))
if not count then return 0 end
count = math.max(0, count - 1)
if count == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'c', count)
if count - tonumber(ARGV[1]) + 1 <= 0 then redis.call('HDEL', KEYS[1], 'u') end
return count
`;

// KEYS: slots, nodes. ARGV: node, max, mine (slots this node holds now), ttl.
const ACQUIRE = `${PRELUDE}
local node, max, mine, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms(-1)
redis.call('ZADD', KEYS[2], now + ttl, node)
extend(KEYS[2], ttl)
local fields = redis.call('HGETALL', KEYS[1])
local others = 0
for i = 1, #fields, 2 do
  local n = fields[i]
  if n ~= node then
    local alive = redis.call('ZSCORE', KEYS[2], n)
    if alive and tonumber(alive) > now then
      others = others + tonumber(fields[i + 1])
    else
      redis.call('HDEL', KEYS[1], n)
    end
  end
end
if others + mine + 1 > max then
  write_mine(KEYS[1], node, mine, ttl)
  return 0
end
write_mine(KEYS[1], node, mine + 1, ttl)
return 1
`;

// KEYS: slots. ARGV: node, mine (after the release), ttl.
const RELEASE = `${PRELUDE}
write_mine(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
return 1
`;

// KEYS: nodes, slot keys... ARGV: node, ttl, one count per slot key.
const HEARTBEAT = `${PRELUDE}
local node, ttl = ARGV[1], tonumber(ARGV[2])
local now = now_ms(-1)
redis.call('ZADD', KEYS[1], now + ttl, node)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
extend(KEYS[1], ttl)
for i = 2, #KEYS do write_mine(KEYS[i], node, tonumber(ARGV[i + 1]), ttl) end
return #KEYS - 1
`;

type Outcome<T> = { ok: true; value: T } | { ok: false };

interface Lease {
  tokens: number;
  /** Local clock (ms): the lease, or the refusal, ends then. */
  until: number;
  /** The bucket was empty: refuse without asking until `until`. */
  refused: boolean;
}

const LEASE_SWEEP_MS = 60_000;

/**
 * Tokens a node leases at once: what the bucket refills during one lease (never more than
 * `maxLease`, at least 1). Leased tokens left the Redis bucket, so all nodes together never spend
 * more than it hands out; they are spent up to `leaseMs` later, so over any interval t a key
 * spends at most burst + refill × t plus what sat unspent in leases when it started (at most
 * refill × leaseMs, and lease − 1 per node) — a slow rule (refill × leaseMs < 2) leases one
 * token at a time and is exactly the shared bucket.
 */
export function leaseSize(rule: BucketRule, leaseMs: number, maxLease: number): number {
  return Math.max(1, Math.min(maxLease, Math.floor((rule.refillPerSec * leaseMs) / 1000)));
}

const consoleLog: LimitsLogger = {
  warn: (obj, msg) => console.warn(msg, obj),
  info: (obj, msg) => console.info(msg, obj),
};

export class RedisLimits implements Limits {
  readonly nodeId: string;
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly slotTtlMs: number;
  private readonly timeoutMs: number;
  private readonly clock: (() => number) | undefined;
  private readonly log: LimitsLogger;
  private readonly heartbeatTimer: NodeJS.Timeout;
  /** Slots held through this node, per key: the truth its Redis field is written from. */
  private readonly mine = new Map<string, number>();
  /** Keys whose last write to Redis may not have landed (rewritten by the heartbeat). */
  private readonly unsynced = new Set<string>();
  /** Per-key queue of slot operations, so this node's absolute writes reach Redis in order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Tokens leased from Redis buckets and not spent yet (or a refusal until the next token). */
  private readonly leases = new Map<string, Lease>();
  private readonly leaseMs: number;
  private readonly maxLease: number;
  private lastSweep = 0;
  private beating = false;
  private closed = false;
  private failing = false;
  private degradedOps = 0;
  private beats = 0;

  constructor(opts: RedisLimitsOptions) {
    this.ownsClient = typeof opts.redis === 'string';
    this.redis = typeof opts.redis === 'string' ? failFastRedis(opts.redis) : opts.redis;
    this.prefix = opts.prefix;
    this.nodeId = opts.nodeId ?? randomBytes(8).toString('hex');
    this.slotTtlMs = opts.slotTtlMs ?? 30_000;
    this.timeoutMs = opts.timeoutMs ?? 500;
    this.clock = opts.now;
    this.leaseMs = opts.leaseMs ?? 5000;
    this.maxLease = Math.max(1, opts.maxLease ?? 10);
    this.log = opts.log ?? consoleLog;
    const r = this.redis;
    r.defineCommand('sbLimitsLease', { numberOfKeys: 1, lua: LEASE });
    r.defineCommand('sbLimitsBackoff', { numberOfKeys: 1, lua: BACKOFF, readOnly: true });
    r.defineCommand('sbLimitsAttempt', { numberOfKeys: 1, lua: ATTEMPT });
    r.defineCommand('sbLimitsForgive', { numberOfKeys: 1, lua: FORGIVE });
    r.defineCommand('sbLimitsAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    r.defineCommand('sbLimitsRelease', { numberOfKeys: 1, lua: RELEASE });
    r.defineCommand('sbLimitsHeartbeat', { lua: HEARTBEAT });
    this.heartbeatTimer = setInterval(
      () => void this.heartbeat(),
      Math.max(1, Math.floor(this.slotTtlMs / 3)),
    );
    this.heartbeatTimer.unref();
  }

  /** Operations that failed open because Redis did not answer in time or at all. */
  get degraded(): number {
    return this.degradedOps;
  }

  /** Heartbeats that reached Redis (metrics; tests wait on it). */
  get heartbeats(): number {
    return this.beats;
  }

  /** Slots held through this node (tests and metrics). */
  held(key: string): number {
    return this.mine.get(key) ?? 0;
  }

  /**
   * Spends a token of this node's lease of `key` when it holds one (no round trip); else leases
   * from the Redis bucket (one script call, one at a time per key) and spends the first token.
   */
  take(key: string, rule: BucketRule): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    const local = this.spendLeased(key);
    if (local !== null) return Promise.resolve(local);
    return this.serial(`lease:${key}`, async () => {
      const again = this.spendLeased(key); // a lease that landed while this take waited its turn
      if (again !== null) return again;
      const size = leaseSize(rule, this.leaseMs, this.maxLease);
      const r = await this.call(
        'take',
        this.redis.sbLimitsLease(this.key('b', key), rule.burst, rule.refillPerSec, this.now(), size),
      );
      if (!r.ok) return true;
      const [granted, waitMs] = r.value;
      const t = this.localNow();
      if (granted < 1) {
        // Refused until the bucket refills a token (nobody can put one back sooner).
        this.leases.set(key, { tokens: 0, until: t + Math.min(waitMs, this.leaseMs), refused: true });
        return false;
      }
      this.leases.set(key, { tokens: granted - 1, until: t + this.leaseMs, refused: false });
      return true;
    });
  }

  /** true / false from this node's lease of `key`; null when Redis must be asked. */
  private spendLeased(key: string): boolean | null {
    const t = this.localNow();
    if (t - this.lastSweep >= LEASE_SWEEP_MS) this.sweepLeases(t);
    const l = this.leases.get(key);
    if (!l || l.until <= t) return null;
    if (l.refused) return false;
    if (l.tokens < 1) return null;
    l.tokens -= 1;
    return true;
  }

  private sweepLeases(t: number): void {
    this.lastSweep = t;
    for (const [k, l] of this.leases) if (l.until <= t) this.leases.delete(k);
  }

  acquire(key: string, max: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return this.serial(key, async () => {
      const mine = this.held(key);
      const r = await this.call(
        'acquire',
        this.redis.sbLimitsAcquire(
          this.key('s', key),
          this.key('nodes'),
          this.nodeId,
          max,
          mine,
          this.slotTtlMs,
        ),
      );
      if (r.ok) this.unsynced.delete(key);
      else this.unsynced.add(key);
      if (r.ok && r.value !== 1) return false;
      // Held locally either way; when Redis did not answer, the heartbeat writes it there.
      this.mine.set(key, mine + 1);
      return true;
    });
  }

  release(key: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.serial(key, async () => {
      const mine = this.held(key);
      if (mine === 0) return; // nothing held here: nothing to give back
      if (mine === 1) this.mine.delete(key);
      else this.mine.set(key, mine - 1);
      const r = await this.call(
        'release',
        this.redis.sbLimitsRelease(this.key('s', key), this.nodeId, mine - 1, this.slotTtlMs),
      );
      if (r.ok) this.unsynced.delete(key);
      else this.unsynced.add(key);
    });
  }

  async backoff(key: string): Promise<number> {
    if (this.closed) return 0;
    const r = await this.call('backoff', this.redis.sbLimitsBackoff(this.key('f', key), this.now()));
    return r.ok ? r.value : 0;
  }

  async attempt(key: string, rule: BackoffRule): Promise<number> {
    if (this.closed) return 0;
    const r = await this.call(
      'attempt',
      this.redis.sbLimitsAttempt(this.key('f', key), rule.freeFailures, rule.baseMs, rule.maxMs, this.now()),
    );
    return r.ok ? r.value : 0;
  }

  async forgive(key: string, rule: BackoffRule): Promise<void> {
    if (this.closed) return;
    await this.call('forgive', this.redis.sbLimitsForgive(this.key('f', key), rule.freeFailures));
  }

  async succeed(key: string): Promise<void> {
    if (this.closed) return;
    await this.call('succeed', this.redis.del(this.key('f', key)));
  }

  /** Stops the heartbeat and removes this node, which frees its slots on every node at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    await this.call('close', this.redis.zrem(this.key('nodes'), this.nodeId));
    this.mine.clear();
    this.unsynced.clear();
    this.leases.clear();
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Refreshes this node's liveness and rewrites its slot counts (absolute, so it heals). */
  private async heartbeat(): Promise<void> {
    if (this.beating || this.closed) return;
    this.beating = true;
    try {
      // Keys with an operation in flight are written by that operation.
      const keys = [...new Set([...this.mine.keys(), ...this.unsynced])].filter((k) => !this.queues.has(k));
      let i = 0;
      do {
        const chunk = keys.slice(i, i + HEARTBEAT_CHUNK);
        const counts = chunk.map((k) => this.held(k));
        const r = await this.call(
          'heartbeat',
          this.redis.sbLimitsHeartbeat(
            1 + chunk.length,
            this.key('nodes'),
            ...chunk.map((k) => this.key('s', k)),
            this.nodeId,
            this.slotTtlMs,
            ...counts,
          ),
        );
        if (!r.ok) return;
        // In sync unless an operation changed the count since (it then tracks it itself).
        chunk.forEach((k, j) => {
          if (this.held(k) === counts[j]) this.unsynced.delete(k);
        });
        i += HEARTBEAT_CHUNK;
      } while (i < keys.length);
      this.beats += 1;
    } finally {
      this.beating = false;
    }
  }

  private serial<T>(key: string, op: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(op);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  /** Waits at most `timeoutMs` for Redis; never rejects. One failed operation counts once. */
  private async call<T>(op: string, pending: Promise<T>): Promise<Outcome<T>> {
    let timer: NodeJS.Timeout | undefined;
    const answered = pending.then(
      (value): Outcome<T> => ({ ok: true, value }),
      (err: unknown): Outcome<T> & { err: unknown } => ({ ok: false, err }),
    );
    const timedOut = new Promise<{ ok: false; err: Error }>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, err: new Error(`no answer within ${this.timeoutMs} ms`) }),
        this.timeoutMs,
      );
    });
    try {
      const outcome = await Promise.race([answered, timedOut]);
      if (!outcome.ok) {
        this.degrade(op, 'err' in outcome ? outcome.err : undefined);
        return { ok: false };
      }
      if (this.failing) {
        this.failing = false;
        this.log.info({ node: this.nodeId, degraded: this.degradedOps }, 'limits: Redis answers again');
      }
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  private degrade(op: string, err: unknown): void {
    this.degradedOps += 1;
    if (this.failing) return;
    this.failing = true;
    this.log.warn(
      { node: this.nodeId, op, err: err instanceof Error ? err.message : String(err) },
      'limits: Redis unreachable, failing open (limits are not enforced across nodes until it answers)',
    );
  }

  private now(): number {
    return this.clock ? this.clock() : -1;
  }

  /** This node's clock for leases (the test clock when one is given). */
  private localNow(): number {
    return this.clock ? this.clock() : Date.now();
  }

  private key(kind: 'b' | 'f' | 's' | 'nodes', key?: string): string {
    return key === undefined ? `${this.prefix}${kind}` : `${this.prefix}${kind}:${key}`;
  }
}

/**
 * A client of our own that fails fast while disconnected instead of queueing stale operations
 * (failures surface per operation, not as `error` events); the commands of one turn go out in
 * one write.
 */
function failFastRedis(url: string, extra: { commandTimeout?: number } = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    ...extra,
  });
  redis.on('error', () => {});
  return redis;
}

/**
 * A client for @fastify/rate-limit's Redis store, so that the per-route limits of HTTP routes
 * (sign-in and visitor sessions per address, uploads, the API) are shared between nodes like
 * the limits above; the plugin counts with its own script. It fails fast while Redis is away
 * (no offline queue, a command timeout) and the plugin then lets the request through
 * (`skipOnError`): the limits fail open, as the others do. Resolves once connected, or after
 * `timeoutMs` when Redis does not answer (requests meanwhile are not counted).
 */
export async function routeLimitClient(url: string, timeoutMs = 1000): Promise<Redis> {
  const redis = failFastRedis(url, { commandTimeout: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise((resolve) => redis.once('ready', resolve)),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return redis;
}
