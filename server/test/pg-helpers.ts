import { inject } from 'vitest';
import { createDatabaseOn, databaseExistsOn, type PgDatabase } from './pg-admin.js';

/** True when the run was started with SB_SKIP_PG=1 (PostgreSQL suites are skipped). */
export const pgSkipped = inject('pgUrl') === '';

export type PgTestDatabase = PgDatabase;

/** A fresh, empty database `sb_test_<random>` on the test server; `drop()` removes it. */
export function pgTestDatabase(): Promise<PgTestDatabase> {
  return createDatabaseOn(inject('pgUrl'), 'sb_test_');
}

export function pgDatabaseExists(name: string): Promise<boolean> {
  return databaseExistsOn(inject('pgUrl'), name);
}
