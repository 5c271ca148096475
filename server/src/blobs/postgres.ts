/** Attachment bytes in PostgreSQL (`attachment_blobs`, migration 19), on a small pool of their own. */
import pg from 'pg';
import { type BlobStore, checkBlobId } from './types.js';

export class PostgresBlobs implements BlobStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;

  constructor(connectionString: string, max = 4) {
    this.pool = new pg.Pool({ connectionString, max });
    // An idle client's error (the server restarted) must not crash the process.
    this.pool.on('error', () => {});
  }

  async put(id: string, data: Buffer): Promise<void> {
    checkBlobId(id);
    await this.pool.query(
      'INSERT INTO attachment_blobs (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data',
      [id, data],
    );
  }

  async get(id: string): Promise<Buffer | null> {
    checkBlobId(id);
    const r = await this.pool.query<{ data: Buffer }>('SELECT data FROM attachment_blobs WHERE id = $1', [
      id,
    ]);
    return r.rows[0]?.data ?? null;
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) checkBlobId(id);
    await this.pool.query('DELETE FROM attachment_blobs WHERE id = ANY($1)', [ids]);
  }

  async list(after: string, limit: number): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>(
      'SELECT id FROM attachment_blobs WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2',
      [after, limit],
    );
    return r.rows.map((x) => x.id);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
