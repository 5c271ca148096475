/**
 * Abuse counters shared by everything a stranger can repeat: token buckets (frames per
 * visitor / agent / address, upgrades per address), slots (sockets per visitor / agent /
 * address) and sign-in backoff per account. Behind one small async interface so that a
 * Redis-backed implementation can share the counters between nodes later; the in-memory
 * one below is the single-node default. Keys are opaque strings (`visitor:<id>`, `ip:<addr>`…).
 */
export interface BucketRule {
  burst: number;
  refillPerSec: number;
}

export interface BackoffRule {
  /** Failures before the backoff starts: after this many, the next attempt waits `baseMs`. */
  freeFailures: number;
  /** Wait after the first failure beyond the free ones; doubles with each further failure. */
  baseMs: number;
  maxMs: number;
}

export interface Limits {
  /** Takes one token from bucket `key` (a new bucket starts full); false when it is empty. */
  take(key: string, rule: BucketRule): Promise<boolean>;
  /** Holds one of at most `max` slots of `key`; false (nothing held) when all are taken. */
  acquire(key: string, max: number): Promise<boolean>;
  /** Gives back a slot taken with `acquire`. */
  release(key: string): Promise<void>;
  /** Milliseconds until `key` may try again (0: now). Reading it counts nothing. */
  backoff(key: string): Promise<number>;
  /**
   * Starts an attempt at `key`, in one step: while `key` is backing off, the wait in ms and
   * nothing counted; else 0, and the attempt already counts as failed (past the free failures,
   * the wait doubles each time up to `maxMs`) until `succeed` clears the failures or `forgive`
   * takes it back. Counting before the check, not after it, is what stops concurrent attempts
   * from all passing one check (the race of CVE-2026-133312 in @fastify/rate-limit's manual
   * peek-then-consume flow).
   */
  attempt(key: string, rule: BackoffRule): Promise<number>;
  /**
   * Takes back one counted attempt that could not be checked (the server was busy). Once the
   * count is within the free failures again the wait is lifted; a wait past them stays.
   */
  forgive(key: string, rule: BackoffRule): Promise<void>;
  /** A successful attempt clears the failures. */
  succeed(key: string): Promise<void>;
  close(): void;
}

interface Bucket {
  tokens: number;
  last: number;
  rule: BucketRule;
}

interface Failures {
  count: number;
  until: number;
  last: number;
}

/** Entries untouched this long are forgotten (a full bucket is the same as none). */
const FAILURES_FORGET_MS = 60 * 60_000;
const SWEEP_MS = 60_000;
/**
 * At most this many accounts' sign-in failures are held (measured: 52 MB at the longest
 * emails, 20 MB at ordinary ones). Every sign-in to an unknown email holds one too (else a 429
 * would tell known from unknown), so without a bound many addresses guessing many emails for
 * an hour could fill the memory. Past it the failures least recently counted go first.
 */
export const MAX_FAILURE_ENTRIES = 100_000;

export class MemoryLimits implements Limits {
  private readonly buckets = new Map<string, Bucket>();
  private readonly slots = new Map<string, number>();
  private readonly failures = new Map<string, Failures>();
  /** Sweeps run lazily from the operations themselves: no timer to keep or clear. */
  private lastSweep: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxFailureEntries = MAX_FAILURE_ENTRIES,
  ) {
    this.lastSweep = now();
  }

  takeSync(key: string, rule: BucketRule): boolean {
    const t = this.now();
    if (t - this.lastSweep >= SWEEP_MS) this.sweep();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: rule.burst, last: t, rule };
      this.buckets.set(key, b);
    } else if (t > b.last) {
      b.tokens = Math.min(rule.burst, b.tokens + ((t - b.last) / 1000) * rule.refillPerSec);
      b.last = t;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  async take(key: string, rule: BucketRule): Promise<boolean> {
    return this.takeSync(key, rule);
  }

  async acquire(key: string, max: number): Promise<boolean> {
    const held = this.slots.get(key) ?? 0;
    if (held >= max) return false;
    this.slots.set(key, held + 1);
    return true;
  }

  async release(key: string): Promise<void> {
    const held = this.slots.get(key) ?? 0;
    if (held <= 1) this.slots.delete(key);
    else this.slots.set(key, held - 1);
  }

  async backoff(key: string): Promise<number> {
    const f = this.failures.get(key);
    return f ? Math.max(0, f.until - this.now()) : 0;
  }

  async attempt(key: string, rule: BackoffRule): Promise<number> {
    const t = this.now();
    if (t - this.lastSweep >= SWEEP_MS) this.sweep();
    const f = this.failures.get(key) ?? { count: 0, until: 0, last: t };
    if (f.until > t) return f.until - t;
    f.count += 1;
    f.last = t;
    const over = f.count - rule.freeFailures + 1;
    if (over > 0) f.until = t + Math.min(rule.maxMs, rule.baseMs * 2 ** Math.min(over - 1, 30));
    // Re-inserted, so that the map's order is the order of the last count (oldest first).
    this.failures.delete(key);
    this.failures.set(key, f);
    if (this.failures.size > this.maxFailureEntries) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return 0;
  }

  async forgive(key: string, rule: BackoffRule): Promise<void> {
    const f = this.failures.get(key);
    if (!f) return;
    f.count = Math.max(0, f.count - 1);
    if (f.count === 0) this.failures.delete(key);
    else if (f.count - rule.freeFailures + 1 <= 0) f.until = 0;
  }

  async succeed(key: string): Promise<void> {
    this.failures.delete(key);
  }

  /** Failures counted for `key` (tests). */
  failureCount(key: string): number {
    return this.failures.get(key)?.count ?? 0;
  }

  /** Slots held (tests and metrics). */
  held(key: string): number {
    return this.slots.get(key) ?? 0;
  }

  /** Drops buckets that have refilled and failures long past (bounded memory). */
  sweep(): void {
    const t = this.now();
    this.lastSweep = t;
    for (const [k, b] of this.buckets) {
      const refillMs = b.rule.refillPerSec > 0 ? ((b.rule.burst - b.tokens) / b.rule.refillPerSec) * 1000 : 0;
      if (b.rule.refillPerSec > 0 && t - b.last >= refillMs) this.buckets.delete(k);
    }
    for (const [k, f] of this.failures) {
      if (t - f.last > FAILURES_FORGET_MS && t >= f.until) this.failures.delete(k);
    }
  }

  close(): void {
    this.buckets.clear();
    this.slots.clear();
    this.failures.clear();
  }
}
