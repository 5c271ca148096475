/**
 * Lookups by key asked for during one event-loop turn, answered by one statement: `get(id)`
 * queues the id, and a setImmediate runs `fetch` once for every id queued by then (like the
 * message writer's group commit, but for reads). Each caller gets its own answer, read after it
 * asked — what a query of its own would have returned, minus one round trip per caller.
 */
type Waiter<R> = { resolve: (row: R | null) => void; reject: (err: unknown) => void };

export class TurnReads<R> {
  private queued = new Map<string, Waiter<R>[]>();
  private scheduled = false;

  constructor(
    /** Rows of these ids (missing ones are absent from the map). */
    private readonly fetch: (ids: string[]) => Promise<Map<string, R>>,
  ) {}

  get(id: string): Promise<R | null> {
    return new Promise<R | null>((resolve, reject) => {
      const waiting = this.queued.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else this.queued.set(id, [{ resolve, reject }]);
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.run());
    });
  }

  private run(): void {
    const batch = this.queued;
    this.queued = new Map();
    this.scheduled = false;
    this.fetch([...batch.keys()]).then(
      (rows) => {
        for (const [id, waiters] of batch) for (const w of waiters) w.resolve(rows.get(id) ?? null);
      },
      (err: unknown) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      },
    );
  }
}
