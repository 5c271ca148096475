/**
 * Per-visitor serialisation: "find or create / reopen the visitor's conversation" runs one
 * at a time per visitor, so two tabs sending at once cannot open two conversations. A chain
 * of promises per visitor, dropped when it drains (this process only).
 */
export class VisitorLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(visitorId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(visitorId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(visitorId, tail);
    void tail.then(() => {
      if (this.tails.get(visitorId) === tail) this.tails.delete(visitorId);
    });
    return run;
  }

  /** Visitors with a command in flight (tests check it returns to zero). */
  get size(): number {
    return this.tails.size;
  }
}
