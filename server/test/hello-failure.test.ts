import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import type { ConversationRecord } from '../src/storage/types.js';
import { Client, ClientPool, listen, login, TEST_SCRYPT_N, tempDir, visitorRecord } from './helpers.js';

/** A store whose `listOpenConversations` fails `failures` times: the agent `hello` replay breaks. */
class FlakyOpenListStorage extends SqliteStorage {
  failures = 0;
  override async listOpenConversations(siteId: string, only?: 'queued'): Promise<ConversationRecord[]> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('simulated failure during the hello replay');
    }
    return super.listOpenConversations(siteId, only);
  }
}

const pool = new ClientPool();
const apps: FastifyInstance[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];

afterEach(async () => {
  await pool.closeAll();
  for (const app of apps.splice(0)) await app.close();
  for (const d of dirs.splice(0)) d.remove();
});

async function start(dir: string, storage?: SqliteStorage): Promise<FastifyInstance> {
  const app = await buildApp({
    config: { scryptN: TEST_SCRYPT_N, dataDir: dir, seed: true, seedHistory: false, logLevel: 'silent' },
    logger: false,
    ...(storage ? { storage } : {}),
  });
  apps.push(app);
  return app;
}

it('a hello that fails closes the socket with 1011 (never left unsynced); the reconnect syncs', async () => {
  const tmp = tempDir();
  dirs.push(tmp);
  const storage = new FlakyOpenListStorage(join(tmp.dir, 'switchboard.db'));
  const app = await start(tmp.dir, storage);
  const host = await listen(app);
  const token = await login(app, 'ana@demo.test');
  storage.failures = 1;
  const a = pool.add(await Client.connect(host, '/ws/agent', token));
  a.send({ type: 'hello', v: 1 });
  const closed = await a.closed;
  expect(closed.code).toBe(1011);
  expect(a.received.some((f) => f.type === 'synced')).toBe(false);
  // The server keeps going: the client's reconnect resumes normally.
  pool.add(await Client.ready(host, '/ws/agent', token));
});

it('after a restart an agent resumes with hundreds of cursors: synced, exactly the missed messages', async () => {
  const tmp = tempDir();
  dirs.push(tmp);
  const first = await start(tmp.dir);
  const db = first.storage;
  const anaAccount = await db.getAccountByEmail('ana@demo.test');
  const ana = anaAccount && (await db.getAgent(anaAccount.id, 'demo'));
  if (!ana) throw new Error('no seeded agent');
  const now = Date.now();
  const cursors: Record<string, number> = {};
  for (let i = 0; i < 300; i++) {
    const vid = `v_many_${i}`;
    await db.createVisitor(visitorRecord(vid, now, { siteId: ana.siteId }));
    const c = await db.createConversation({
      siteId: ana.siteId,
      visitorId: vid,
      department: null,
      status: 'queued',
      at: now,
    });
    await db.claimConversation(c.id, ana.id, null, now);
    await db.appendMessages(
      [1, 2, 3].map((n) => ({
        conversationId: c.id,
        sender: `v:${vid}`,
        cid: `m${n}`,
        text: `hello ${n}`,
        author: { kind: 'visitor' as const, id: vid, name: 'Visitor' },
        at: now,
      })),
    );
    cursors[c.id] = 1; // the agent held seq 1 before the restart
  }
  const token = await login(first, 'ana@demo.test');
  await first.close();
  apps.splice(apps.indexOf(first), 1);

  const app = await start(tmp.dir);
  const host = await listen(app);
  const a = pool.add(await Client.connect(host, '/ws/agent', token));
  a.send({ type: 'hello', v: 1, cursors });
  const welcome = await a.type('welcome');
  expect((welcome as unknown as { conversations: unknown[] }).conversations.length).toBeGreaterThanOrEqual(
    300,
  );
  await a.next((f) => f.type === 'synced', 15_000);
  const histories = a.received.filter((f) => f.type === 'history') as unknown as {
    conversationId: string;
    messages: { seq: number }[];
  }[];
  // At most 200 cursors are honoured (protocol limit); each replay has exactly seq 2 and 3.
  expect(histories.length).toBe(200);
  for (const h of histories) {
    expect(cursors[h.conversationId]).toBe(1);
    expect(h.messages.map((m) => m.seq)).toEqual([2, 3]);
  }
});
