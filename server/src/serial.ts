/**
 * Runs async sections one at a time per key, in call order: a chain of promises per key,
 * dropped when it drains (this process only).
 */
export class Serial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Keys with a section in flight (tests check it returns to zero). */
  get size(): number {
    return this.tails.size;
  }
}
