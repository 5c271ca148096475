/**
 * Where attachment bytes live: files under `DATA_DIR/attachments` with the embedded SQLite
 * default, rows in PostgreSQL when several nodes share one database (every node serves every
 * file). Both pass one test suite (`server/test/blobs.test.ts`). Rows about the files are in
 * `Storage` (the `attachments` table); the store holds bytes only, keyed by attachment id.
 */
export interface BlobStore {
  readonly kind: 'files' | 'postgres';
  /** Stores all of `data` under `id`, durably, before it resolves (a reader never sees part of it). */
  put(id: string, data: Buffer): Promise<void>;
  /** The bytes, or null when there are none under `id`. */
  get(id: string): Promise<Buffer | null>;
  delete(ids: readonly string[]): Promise<void>;
  /** Stored ids in ascending order after `after` (the orphan sweep pages through them). */
  list(after: string, limit: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Ids are made by the server (`newId`); anything else never reaches a path or a query. */
export const BLOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function checkBlobId(id: string): void {
  if (!BLOB_ID.test(id)) throw new Error(`not a blob id: ${JSON.stringify(id.slice(0, 80))}`);
}
