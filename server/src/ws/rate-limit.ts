/** Per-socket token bucket (pure; the clock is injected for tests). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly refillPerSec: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.refillPerSec);
      this.last = t;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Counts invalid frames in a sliding window; `hit()` returns true when the limit is reached. */
export class InvalidFrameCounter {
  private stamps: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  hit(): boolean {
    const t = this.now();
    const from = t - this.windowMs;
    while (this.stamps.length > 0 && (this.stamps[0] as number) <= from) this.stamps.shift();
    this.stamps.push(t);
    return this.stamps.length >= this.max;
  }
}
