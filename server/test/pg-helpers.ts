import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** True when the run was started with SB_SKIP_PG=1 (PostgreSQL suites are skipped). */
export const pgSkipped = inject('pgUrl') === '';

export interface PgTestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject('pgUrl') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, empty database `sb_test_<random>` on the test server; `drop()` removes it. */
export async function pgTestDatabase(): Promise<PgTestDatabase> {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(inject('pgUrl'));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    // WITH (FORCE) ends connections a failed test left open.
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function pgDatabaseExists(name: string): Promise<boolean> {
  const r = await admin((c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  return r.rowCount === 1;
}
