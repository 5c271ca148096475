import { type Config, sqlitePath } from '../config.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';

export { MessageWriter } from './message-writer.js';
export { SqliteStorage } from './sqlite.js';
export type * from './types.js';

/** Opens the store named by DATABASE_URL (and runs its migrations). */
export async function openStorage(
  config: Pick<Config, 'databaseUrl' | 'sqliteSynchronous'>,
): Promise<Storage> {
  const path = sqlitePath(config.databaseUrl);
  if (path !== null) return new SqliteStorage(path, { synchronous: config.sqliteSynchronous });
  if (/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    // pg is loaded only for a PostgreSQL DATABASE_URL (PostgresStorage: import './postgres.js').
    const { PostgresStorage } = await import('./postgres.js');
    return PostgresStorage.open(config.databaseUrl);
  }
  throw new Error(
    `DATABASE_URL must start with sqlite: or postgres://, got "${config.databaseUrl.split(':')[0]}:…"`,
  );
}
