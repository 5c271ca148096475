/**
 * A small async semaphore with a bounded queue: at most `max` tasks run at once, at most
 * `maxQueue` wait; one more is refused with `QueueFullError` instead of queueing without end.
 * Used to bound concurrent password hashes (each scrypt holds ~128 MiB while it runs).
 */

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(readonly waiting: number) {
    super(`Too many tasks waiting (${waiting})`);
  }
}

export class Semaphore {
  private running = 0;
  private highWater = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    readonly max: number,
    readonly maxQueue: number,
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`Semaphore: max must be an integer ≥ 1, got ${max}`);
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new Error(`Semaphore: maxQueue must be an integer ≥ 0, got ${maxQueue}`);
    }
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** The most tasks that ever ran at once. */
  get peak(): number {
    return this.highWater;
  }

  /** Runs `task` when a slot is free; rejects at once with QueueFullError when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.max) {
      this.take();
      return Promise.resolve();
    }
    if (this.queue.length >= this.maxQueue) return Promise.reject(new QueueFullError(this.queue.length));
    return new Promise((resolve) => {
      this.queue.push(() => {
        this.take();
        resolve();
      });
    });
  }

  private take(): void {
    this.running++;
    if (this.running > this.highWater) this.highWater = this.running;
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.();
  }
}
