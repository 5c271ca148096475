/**
 * SQLite's message search index, written in batches after the messages' own commits.
 *
 * FTS5 turns every transaction that inserts into it into a new index segment (a segment row,
 * its idx entries, the structure record, a content and a docsize row): with the insert inside
 * the message's group commit, a message sent alone (1 000 msg/s from 1 000 visitors is mostly
 * one message per commit) wrote about five more pages to the WAL than the message itself
 * needed, and cost 80–120 µs of the ~330 µs the gateway spent per message (issue 18). The
 * index is derived data, so it is written here, after the commit: a message is queued in
 * memory once its transaction committed, and the queue goes into the index in one transaction
 * when it reaches `maxBacklog` entries, `delayMs` after its first entry, before every search
 * (so a search always sees every committed message), before conversations are deleted, and at
 * close.
 *
 * A crash loses only the in-memory queue, never a message: `message_search_progress` holds,
 * per conversation, the highest seq whose message is indexed, written in the same transaction
 * as the index rows. Opening the store indexes every message above it (`recover`).
 */
import type Database from 'better-sqlite3';
import { searchText } from './search.js';

interface Entry {
  conversationId: string;
  seq: number;
  text: string;
}

export interface SearchBacklogOptions {
  /** The queue is indexed this long after its first entry (default 1 000 ms). */
  delayMs?: number;
  /** Entries per transaction when the timer indexes the queue, one turn each (default 256). */
  chunk?: number;
  /** A queue this long is indexed at once, whole (default 20 000: a bound on memory). */
  maxBacklog?: number;
  /** After every transaction that wrote the index (the checkpoint worker catches up). */
  wrote?: () => void;
}

export class SearchBacklog {
  private queue: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly delayMs: number;
  private readonly chunk: number;
  private readonly maxBacklog: number;
  private slicing = false;
  private readonly wrote: () => void;
  private readonly index: (entries: readonly Entry[]) => void;
  private readonly progress: Database.Statement;
  private readonly unindexed: Database.Statement;
  private readonly tail: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    opts: SearchBacklogOptions = {},
  ) {
    this.delayMs = opts.delayMs ?? 1000;
    this.chunk = Math.max(1, opts.chunk ?? 256);
    this.maxBacklog = opts.maxBacklog ?? 20_000;
    this.wrote = opts.wrote ?? (() => {});
    const insert = db.prepare('INSERT INTO message_search (body, conversation_id, seq) VALUES (?, ?, ?)');
    const progress = db.prepare(
      `INSERT INTO message_search_progress (conversation_id, seq) VALUES (?, ?)
       ON CONFLICT (conversation_id) DO UPDATE SET seq = MAX(seq, excluded.seq)`,
    );
    this.progress = progress;
    const indexedTo = db.prepare('SELECT seq FROM message_search_progress WHERE conversation_id = ?').pluck();
    this.index = db.transaction((entries: readonly Entry[]) => {
      // What another connection on this file indexed already (its open recovered it) is skipped.
      const done = new Map<string, number>();
      const newest = new Map<string, number>();
      for (const e of entries) {
        let before = done.get(e.conversationId);
        if (before === undefined) {
          before = (indexedTo.get(e.conversationId) as number | undefined) ?? 0;
          done.set(e.conversationId, before);
        }
        if (e.seq <= before) continue;
        insert.run(searchText(e.text), e.conversationId, e.seq);
        newest.set(e.conversationId, Math.max(e.seq, newest.get(e.conversationId) ?? 0));
      }
      for (const [id, seq] of newest) progress.run(id, seq);
    });
    this.unindexed = db.prepare(
      `SELECT c.id AS id, c.last_seq AS last_seq, COALESCE(p.seq, 0) AS done FROM conversations c
       LEFT JOIN message_search_progress p ON p.conversation_id = c.id
       WHERE c.last_seq > COALESCE(p.seq, 0)`,
    );
    this.tail = db.prepare(
      'SELECT seq, text, event FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq',
    );
  }

  /** Messages just committed (system lines, which carry an event, are not indexed). */
  add(conversationId: string, seq: number, text: string): void {
    this.queue.push({ conversationId, seq, text });
    if (this.queue.length >= this.maxBacklog) this.flush();
    else if (!this.timer && !this.slicing) {
      this.timer = setTimeout(() => this.slice(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Entries waiting for the index. */
  get pending(): number {
    return this.queue.length;
  }

  /** Indexes the whole queue now (one transaction); throws what SQLite threw, the queue kept. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.take(this.queue.length);
  }

  private take(n: number): void {
    if (n <= 0 || this.queue.length === 0) return;
    const entries = this.queue.splice(0, n);
    try {
      this.index(entries);
    } catch (err) {
      this.queue = entries.concat(this.queue);
      throw err;
    }
    this.wrote();
  }

  /**
   * The timer's work: `chunk` entries per transaction, one transaction per turn, so frames
   * keep being read between them (a whole second of a busy site in one transaction held the
   * event loop for tens of milliseconds). A failure is reported and retried with the next entry.
   */
  private slice(): void {
    this.timer = null;
    try {
      this.take(this.chunk);
    } catch (err) {
      this.slicing = false;
      process.emitWarning(`search index not written yet: ${(err as Error).message}`);
      return;
    }
    this.slicing = this.queue.length > 0;
    if (this.slicing) setImmediate(() => this.slice());
  }

  /** Drops what is queued for these conversations (they are being deleted). */
  forget(conversationIds: ReadonlySet<string>): void {
    this.queue = this.queue.filter((e) => !conversationIds.has(e.conversationId));
  }

  /**
   * At open: every message committed before a crash but not indexed yet goes into the index
   * now. One scan of the conversations; only their unindexed tails are read.
   */
  recover(): number {
    const rows = this.unindexed.all() as { id: string; last_seq: number; done: number }[];
    const entries: Entry[] = [];
    const indexedTo = new Map<string, number>();
    for (const r of rows) {
      for (const m of this.tail.all(r.id, r.done) as { seq: number; text: string; event: string | null }[]) {
        if (m.event === null) entries.push({ conversationId: r.id, seq: m.seq, text: m.text });
      }
      indexedTo.set(r.id, r.last_seq);
    }
    if (rows.length === 0) return 0;
    this.db.transaction(() => {
      this.index(entries);
      // Conversations whose tail is only system lines are done too: the next open skips them.
      for (const [id, seq] of indexedTo) this.progress.run(id, seq);
    })();
    this.wrote();
    return entries.length;
  }
}
