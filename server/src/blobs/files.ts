/** Attachment bytes as files (0600, in a 0700 directory), written to a temp file and renamed. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOB_ID, type BlobStore, checkBlobId } from './types.js';

export class FileBlobs implements BlobStore {
  readonly kind = 'files';
  private ready: Promise<unknown> | null = null;

  constructor(private readonly dir: string) {}

  private dirReady(): Promise<unknown> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this.ready;
  }

  async put(id: string, data: Buffer): Promise<void> {
    checkBlobId(id);
    await this.dirReady();
    const tmp = join(this.dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, id));
  }

  async get(id: string): Promise<Buffer | null> {
    checkBlobId(id);
    try {
      return await readFile(join(this.dir, id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      checkBlobId(id);
      await rm(join(this.dir, id), { force: true });
    }
  }

  async list(after: string, limit: number): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => BLOB_ID.test(n) && n > after)
      .sort()
      .slice(0, limit);
  }

  async close(): Promise<void> {}
}
