import { createDatabaseOn } from '../../server/test/pg-admin.js';

/**
 * A fresh database `sb_e2e_<random>` on the e2e PostgreSQL server (`SB_E2E_PG_URL`, started by
 * global-setup.ts); returns its URL. No drop: the whole server is thrown away after the run.
 */
export async function createPgDatabase(adminUrl: string): Promise<string> {
  return (await createDatabaseOn(adminUrl, 'sb_e2e_')).url;
}
