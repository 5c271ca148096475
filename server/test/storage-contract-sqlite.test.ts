import { join } from 'node:path';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { tempDir } from './helpers.js';
import { describeStorage } from './storage-contract.js';

// One temp file per test; every handle is its own better-sqlite3 connection. SQLite is the
// single-process store: a second handle may read, reopen and race claims, but only one writes
// messages and conversations at a time (its seq and conversation caches live in process).
describeStorage('SQLite', async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'contract.db');
  return {
    open: async () => new SqliteStorage(path),
    drop: async () => tmp.remove(),
    concurrentWriters: false,
  };
});
