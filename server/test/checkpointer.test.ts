import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Checkpointer } from '../src/storage/checkpointer.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { tempDir, visitorRecord } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

const walPages = (path: string): number => {
  // A read-only look from another connection: how many frames the WAL holds right now.
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    return r?.log ?? -1;
  } finally {
    db.close();
  }
};

describe('WAL checkpoints in a worker thread', () => {
  it('the main connection never checkpoints; the worker does, after commits, and close is clean', async () => {
    const path = join(tmp.dir, 'sb.db');
    const s = new SqliteStorage(path);
    const now = Date.now();
    try {
      // @ts-expect-error private in production code, read here to check the setting.
      const db: Database.Database = s.db;
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      // @ts-expect-error private, as above.
      const cp: Checkpointer = s.checkpointer;
      // No thread (its own V8 isolate, ≈ 10 MB) before anything was written: issue 18.
      expect(cp.started).toBe(false);
      await s.createSite({
        id: 'demo',
        name: 'Demo',
        secret: 's',
        allowedOrigins: [],
        departments: [],
        color: '#000',
        title: 't',
        greeting: 'g',
        createdAt: now,
      });
      for (let i = 0; i < 300; i++) {
        await s.createVisitor(visitorRecord(`v${i}`, now, { attributes: { i: String(i) } }));
      }
      expect(cp.started).toBe(true);
      await vi.waitFor(() => expect(cp.runs).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
      expect(cp.lastLogPages).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
    // Closing the last connection checkpointed and removed the WAL; everything is there.
    expect(() => statSync(`${path}-wal`)).toThrow();
    const again = new SqliteStorage(path);
    try {
      expect(await again.getVisitor('v299')).toMatchObject({ attributes: { i: '299' } });
      expect(walPages(path)).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('a worker that cannot start gives the main connection its automatic checkpoint back', async () => {
    const restored = vi.fn();
    const reasons: string[] = [];
    const cp = new Checkpointer(join(tmp.dir, 'missing', 'nope.db'), restored, {
      onFallback: (r) => reasons.push(r),
    });
    cp.noteCommit(); // the first commit starts the worker
    await vi.waitFor(() => expect(restored).toHaveBeenCalledTimes(1), { timeout: 10_000, interval: 20 });
    expect(reasons[0]).toMatch(/checkpoint worker (failed|exited)/);
    cp.noteCommit(); // no-op after the fallback, and no throw
    await cp.close();
    expect(restored).toHaveBeenCalledTimes(1);
  });
});
