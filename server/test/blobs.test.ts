/**
 * The blob-store contract: files under DATA_DIR and PostgreSQL's table hold the same bytes,
 * list in the same order, delete the same way, and refuse ids that are not ours.
 */
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../src/blobs/index.js';
import { FileBlobs } from '../src/blobs/index.js';
import { PostgresBlobs } from '../src/blobs/postgres.js';
import { PostgresStorage } from '../src/storage/postgres.js';
import { tempDir } from './helpers.js';
import { pgSkipped, pgTestDatabase } from './pg-helpers.js';

function describeBlobs(
  name: string,
  open: () => Promise<{ store: BlobStore; done: () => Promise<void> }>,
): void {
  describe(`blob store: ${name}`, () => {
    it('keeps bytes whole, lists ids in order, deletes, and refuses foreign ids', async () => {
      const { store, done } = await open();
      try {
        const big = Buffer.alloc(3 * 1024 * 1024, 7);
        await store.put('f_b', big);
        await store.put('f_a', Buffer.from([0, 1, 2, 255]));
        await store.put('f_c', Buffer.from('c'));
        expect((await store.get('f_b'))?.equals(big)).toBe(true);
        expect([...((await store.get('f_a')) ?? [])]).toEqual([0, 1, 2, 255]);
        expect(await store.get('f_missing')).toBeNull();
        expect(await store.list('', 10)).toEqual(['f_a', 'f_b', 'f_c']);
        expect(await store.list('f_a', 1)).toEqual(['f_b']);
        await store.delete(['f_a', 'f_missing']);
        expect(await store.get('f_a')).toBeNull();
        expect(await store.list('', 10)).toEqual(['f_b', 'f_c']);
        await expect(store.put('../etc/passwd', Buffer.from('x'))).rejects.toThrow(/not a blob id/);
        await expect(store.get('a/b')).rejects.toThrow(/not a blob id/);
      } finally {
        await done();
      }
    });
  });
}

describeBlobs('files', async () => {
  const tmp = tempDir();
  return {
    store: new FileBlobs(`${tmp.dir}/attachments`),
    done: async () => tmp.remove(),
  };
});

describe.skipIf(pgSkipped)('PostgreSQL', () => {
  describeBlobs('postgres', async () => {
    const db = await pgTestDatabase();
    // The schema comes with the store's migrations.
    await (await PostgresStorage.open(db.url, { maxConnections: 1 })).close();
    const store = new PostgresBlobs(db.url, 2);
    return {
      store,
      done: async () => {
        await store.close();
        await db.drop();
      },
    };
  });
});
