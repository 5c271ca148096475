import { expect, test } from '@playwright/test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createPgDatabase } from '../support/pg.js';

// The servers global-setup.ts started for the run (no browser needed).
const pgUrl = process.env.SB_E2E_PG_URL ?? '';
const redisUrl = process.env.SB_E2E_REDIS_URL ?? '';

test.describe('the e2e run', () => {
  test('has a PostgreSQL server on which a worker makes a database of its own', async () => {
    test.skip(pgUrl === '', 'SB_SKIP_PG=1');
    const url = await createPgDatabase(pgUrl);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const r = await c.query<{ db: string }>('SELECT current_database() AS db');
      expect(r.rows[0]?.db).toMatch(/^sb_e2e_[0-9a-f]{12}$/);
      expect(url).toContain(`/${r.rows[0]?.db}`);
    } finally {
      await c.end();
    }
  });

  test('has a Redis server', async () => {
    test.skip(redisUrl === '', 'SB_SKIP_REDIS=1');
    const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const key = `sb_e2e:${test.info().testId}`;
      await r.set(key, 'ok', 'PX', 60_000);
      expect(await r.get(key)).toBe('ok');
    } finally {
      r.disconnect();
    }
  });
});
