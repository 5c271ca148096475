/**
 * `switchboard backup <file>` beside a running server: the copy is a consistent snapshot, and
 * a fresh server started on it has the conversations (the restore of docs/deploy.md).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, runBin } from './cli-helpers.js';
import { Client, ClientPool, listen, tempDir, testApp, visitorSession } from './helpers.js';

const dirs = [tempDir(), tempDir()];
const [live, restored] = dirs as [ReturnType<typeof tempDir>, ReturnType<typeof tempDir>];

beforeAll(buildServer, 120_000);
afterAll(() => {
  for (const d of dirs) d.remove();
});

describe('backup and restore', () => {
  it('backs up while the server runs; a fresh server on the copy has the conversation', async () => {
    const pool = new ClientPool();
    const { app, dispose } = await testApp({}, {}, live.dir);
    const host = await listen(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    v.send({ type: 'send', cid: 'b-1', text: 'Please keep this message' });
    const conversationId = (await v.type('ack', (f) => f.cid === 'b-1')).conversationId as string;

    const file = join(live.dir, 'backup.db');
    const r = await runBin(['backup', file, '--json'], { DATA_DIR: live.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ to: file });
    // The server kept running meanwhile: it still takes messages.
    v.send({ type: 'send', cid: 'b-2', text: 'After the backup' });
    await v.type('ack', (f) => f.cid === 'b-2');
    // Never over an existing file.
    expect((await runBin(['backup', file], { DATA_DIR: live.dir })).code).toBe(2);
    await pool.closeAll();
    await dispose();

    copyFileSync(file, join(restored.dir, 'switchboard.db'));
    copyFileSync(join(live.dir, 'jwt-secret'), join(restored.dir, 'jwt-secret'));
    const again = await testApp({}, {}, restored.dir);
    try {
      const texts = (await again.app.storage.messagesSince(conversationId, 0)).map((m) => m.text);
      expect(texts).toEqual(['Please keep this message']);
    } finally {
      await again.dispose();
    }
  });

  it('refuses PostgreSQL (pg_dump is the tool) and a missing database, with the reason', async () => {
    const pg = await runBin(['backup', join(restored.dir, 'x.db')], {
      DATABASE_URL: 'postgres://127.0.0.1/none',
    });
    expect(pg.code).toBe(2);
    expect(pg.stderr).toContain('pg_dump');
    const none = await runBin(['backup', join(restored.dir, 'y.db')], {
      DATA_DIR: join(restored.dir, 'empty'),
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no database at');
    expect(existsSync(join(restored.dir, 'y.db'))).toBe(false);
  });
});
