/**
 * Group commit. `append()` queues a message; everything queued during one event-loop turn
 * is written by a single `appendMessages` call (one transaction, one fsync) scheduled with
 * setImmediate. Each caller's promise resolves only after that transaction committed, so
 * an ack sent from it means "on disk".
 */
import { ErrorCode } from '@switchboard/protocol';
import { SbError } from '../errors.js';
import type { AppendResult, NewMessage, Storage } from './types.js';

interface Pending {
  input: NewMessage;
  resolve: (r: AppendResult) => void;
  reject: (err: unknown) => void;
}

export interface WriterObserver {
  /** Called after every committed batch (metrics). */
  onBatch?(size: number, durationMs: number, stored: number): void;
  onError?(err: unknown, size: number): void;
}

export class MessageWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly observer: WriterObserver = {},
    /** Upper bound on one transaction; a longer queue is split into several. */
    private readonly maxBatch = 2000,
  ) {}

  append(input: NewMessage): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new SbError(ErrorCode.Unavailable));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.drain();
        });
      }
    });
  }

  /** Number of messages waiting for the next commit. */
  get pending(): number {
    return this.queue.length;
  }

  private drain(): Promise<void> {
    // One batch at a time; messages queued meanwhile form the next batch.
    if (this.inFlight) return this.inFlight.then(() => this.drain());
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue.splice(0, this.maxBatch);
    const run = this.commit(batch).finally(() => {
      this.inFlight = null;
    });
    this.inFlight = run;
    return run.then(() => (this.queue.length > 0 ? this.drain() : undefined));
  }

  private async commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const results = await this.storage.appendMessages(batch.map((p) => p.input));
      const ms = performance.now() - started;
      let stored = 0;
      for (const r of results) if (r.ok && !r.duplicate) stored++;
      this.observer.onBatch?.(batch.length, ms, stored);
      batch.forEach((p, i) => {
        const r = results[i];
        if (r) p.resolve(r);
        else p.reject(new SbError(ErrorCode.Internal));
      });
    } catch (err) {
      // The transaction rolled back: nothing of this batch is stored; clients retry with their cid.
      this.observer.onError?.(err, batch.length);
      for (const p of batch) p.reject(err);
    }
  }

  /** Commits everything queued so far (graceful shutdown). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight) {
      await this.drain();
    }
  }

  /** Refuses new messages and commits the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
