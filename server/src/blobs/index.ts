import { join } from 'node:path';
import { FileBlobs } from './files.js';
import type { BlobStore } from './types.js';

export type { BlobStore } from './types.js';
export { FileBlobs };

/**
 * The blob store that goes with the database: PostgreSQL's own table, else files under DATA_DIR.
 * pg is loaded only for a PostgreSQL DATABASE_URL (PostgresBlobs: import './postgres.js').
 */
export async function openBlobs(config: { databaseUrl: string; dataDir: string }): Promise<BlobStore> {
  if (!/^postgres(ql)?:/.test(config.databaseUrl)) return new FileBlobs(join(config.dataDir, 'attachments'));
  const { PostgresBlobs } = await import('./postgres.js');
  return new PostgresBlobs(config.databaseUrl);
}
