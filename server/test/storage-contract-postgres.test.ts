import { describe } from 'vitest';
import { PostgresStorage } from '../src/storage/postgres.js';
import { pgSkipped, pgTestDatabase } from './pg-helpers.js';
import { describeStorage } from './storage-contract.js';

// A fresh database on the run's throwaway PostgreSQL per test; every handle is its own pool,
// standing for its own gateway process: several of them write at once.
describe.skipIf(pgSkipped)('PostgreSQL', () => {
  describeStorage('PostgreSQL', async () => {
    const db = await pgTestDatabase();
    return {
      open: () => PostgresStorage.open(db.url, { maxConnections: 4 }),
      drop: () => db.drop(),
      concurrentWriters: true,
    };
  });
});
