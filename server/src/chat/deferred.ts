/**
 * Work deferred per key: the first `ask(key)` runs `run(key)` `delayMs` later; asks meanwhile
 * join that run. `flush` runs everything pending now (tests), `close` drops it (shutdown).
 * A run's failure goes to `onError`; it never throws at the caller.
 */
export class Deferred {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly delayMs: number,
    private readonly run: (key: string) => Promise<void>,
    private readonly onError: (err: unknown, key: string) => void,
  ) {}

  /** False when a run for `key` is pending already (or after close): nothing new was scheduled. */
  ask(key: string): boolean {
    if (this.closed || this.pending.has(key)) return false;
    const timer = setTimeout(() => this.fire(key), this.delayMs);
    timer.unref();
    this.pending.set(key, timer);
    return true;
  }

  async flush(): Promise<void> {
    for (const [key, timer] of this.pending) {
      clearTimeout(timer);
      this.fire(key);
    }
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private fire(key: string): void {
    this.pending.delete(key);
    const done = this.run(key)
      .catch((err: unknown) => this.onError(err, key))
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }
}
