import { join } from 'node:path';
import { FileBlobs } from './files.js';
import { PostgresBlobs } from './postgres.js';
import type { BlobStore } from './types.js';

export type { BlobStore } from './types.js';
export { FileBlobs, PostgresBlobs };

/** The blob store that goes with the database: PostgreSQL's own table, else files under DATA_DIR. */
export function openBlobs(config: { databaseUrl: string; dataDir: string }): BlobStore {
  return /^postgres(ql)?:/.test(config.databaseUrl)
    ? new PostgresBlobs(config.databaseUrl)
    : new FileBlobs(join(config.dataDir, 'attachments'));
}
