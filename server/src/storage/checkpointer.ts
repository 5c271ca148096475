/**
 * WAL checkpoints off the event loop.
 *
 * With SQLite's automatic checkpoint, the commit that pushes the WAL past 1 000 pages copies
 * the WAL back into the database file and fsyncs it — synchronously, inside that COMMIT, on
 * the event loop: a 20–150 ms stall every few hundred commits under load (measured with
 * better-sqlite3 on this kind of disk), which is what set the p99 of the burst benchmark.
 *
 * Here the main connection runs with `wal_autocheckpoint = 0` and a worker thread owning a
 * second connection to the same file runs `PRAGMA wal_checkpoint(PASSIVE)` shortly after
 * commits happened. PASSIVE never blocks the writer nor readers; the worker's fsync blocks
 * only the worker. Durability is unchanged: a committed transaction is in the WAL either
 * way, and SQLite replays the WAL when the file is opened after a crash.
 *
 * If the worker cannot start or dies, the main connection gets its automatic checkpoint
 * back (and we say so once), so the WAL never grows without bound.
 *
 * The worker starts with the first commit, not with the server: a thread has its own V8
 * isolate and its own copy of better-sqlite3 (≈ 10 MB RSS), which a server that has written
 * nothing yet does not need (issue 18, docs/performance.md "Idle RSS at start").
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Plain JS run by the worker (eval: works the same from sources under vitest and from dist). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const r = db.pragma(msg === 'truncate' ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ ok: true, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message ? err.message : err) });
  }
});
`;

interface CheckpointReply {
  ok: boolean;
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export interface CheckpointerOptions {
  /** Delay between a commit and the checkpoint it triggers (commits meanwhile share it). */
  delayMs?: number;
  /** Called when the worker fails and automatic checkpoints are restored. */
  onFallback?(reason: string): void;
}

export class Checkpointer {
  /** Started by the first commit (`noteCommit`). */
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private dirty = false;
  private stopped = false;
  private readonly delayMs: number;
  /** Checkpoints run and WAL pages in the last one (observability and tests). */
  runs = 0;
  lastLogPages = 0;

  constructor(
    private readonly path: string,
    private readonly restoreAutoCheckpoint: () => void,
    private readonly opts: CheckpointerOptions = {},
  ) {
    this.delayMs = opts.delayMs ?? 100;
  }

  /** Whether the worker thread was started (by a commit). */
  get started(): boolean {
    return this.worker !== null;
  }

  private startWorker(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: this.path, driver } });
    worker.unref();
    worker.on('message', (r: CheckpointReply) => this.onReply(r));
    worker.on('error', (err) => this.fallback(`checkpoint worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.stopped) this.fallback(`checkpoint worker exited (${code})`);
    });
    return worker;
  }

  /** Called after every commit on the main connection. */
  noteCommit(): void {
    if (this.stopped) return;
    this.worker ??= this.startWorker();
    this.dirty = true;
    if (this.inFlight || this.timer) return;
    this.timer = setTimeout(() => this.run(), this.delayMs);
    this.timer.unref();
  }

  private run(): void {
    this.timer = null;
    if (this.stopped || this.inFlight || !this.dirty) return;
    this.dirty = false;
    this.inFlight = true;
    this.worker?.postMessage('passive');
  }

  private onReply(r: CheckpointReply): void {
    this.inFlight = false;
    if (r.ok) {
      this.runs++;
      this.lastLogPages = r.log ?? 0;
    }
    // Commits that landed while the checkpoint ran need another one.
    if (this.dirty) this.noteCommit();
  }

  private fallback(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.restoreAutoCheckpoint();
    this.opts.onFallback?.(reason);
  }

  /** Stops the worker and closes its connection (before the main connection closes). */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const worker = this.worker;
    if (worker === null) return;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }
}
