import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgDatabaseExists, pgSkipped, pgTestDatabase } from './pg-helpers.js';

describe.skipIf(pgSkipped)('the test PostgreSQL server', () => {
  it('gives each test its own database and drops it afterwards', async () => {
    const db = await pgTestDatabase();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const r = await c.query<{ db: string }>('SELECT current_database() AS db');
    await c.end();
    expect(r.rows[0]?.db).toBe(db.name);
    await db.drop();
    expect(await pgDatabaseExists(db.name)).toBe(false);
  });
});
