import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { Client, ClientPool, listen, login, TEST_SCRYPT_N, tempDir, visitorSession } from './helpers.js';
import { type PgTestDatabase, pgSkipped, pgTestDatabase } from './pg-helpers.js';

const pool = new ClientPool();
const apps: FastifyInstance[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
const databases: PgTestDatabase[] = [];

/** `databaseUrl`: the app on PostgreSQL (with the JWT secret every node must share). */
async function start(dir: string, databaseUrl?: string): Promise<{ app: FastifyInstance; host: string }> {
  const store = databaseUrl ? { databaseUrl, jwtSecret: 'lifecycle-test-secret' } : {};
  const app = await buildApp({
    config: { scryptN: TEST_SCRYPT_N, dataDir: dir, logLevel: 'silent', ...store },
    logger: false,
  });
  apps.push(app);
  return { app, host: await listen(app) };
}

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const d of dirs.splice(0)) d.remove();
  for (const db of databases.splice(0)) await db.drop();
});

describe.each([
  { store: 'SQLite', pg: false },
  { store: 'PostgreSQL', pg: true },
])('restart on $store', ({ pg }) => {
  it.skipIf(pg && pgSkipped)(
    'conversations, messages, tokens and seqs survive closing the app and building a new one',
    async () => {
      const tmp = tempDir();
      dirs.push(tmp);
      const url = pg ? await pgTestDatabase() : undefined;
      if (url) databases.push(url);
      const first = await start(tmp.dir, url?.url);
      const ana = await login(first.app, 'ana@demo.test');
      const s = await visitorSession(first.app);
      const v = pool.add(await Client.ready(first.host, '/ws/visitor', s.token));
      const a = pool.add(await Client.ready(first.host, '/ws/agent', ana));
      v.send({ type: 'send', cid: 'before-1', text: 'before restart' });
      const { conversationId } = await v.type('ack');
      a.send({ type: 'claim', cid: 'c', conversationId });
      await a.type('ack', (f) => f.cid === 'c');
      a.send({ type: 'send', cid: 'r', conversationId, text: 'agent reply' });
      await a.type('ack', (f) => f.cid === 'r');
      await pool.closeAll();
      await first.app.close();

      const second = await start(tmp.dir, url?.url);
      // Not seeded twice.
      expect(second.app.seeded).toBeNull();
      expect((await second.app.storage.listAgents('demo')).length).toBe(3);
      // The same visitor token still works and replays everything.
      const v2 = pool.add(await Client.connect(second.host, '/ws/visitor', s.token));
      v2.send({ type: 'hello', v: 1 });
      const welcome = await v2.type('welcome');
      expect(welcome.conversations[0]).toMatchObject({ id: conversationId, status: 'assigned', lastSeq: 3 });
      const history = await v2.type('history');
      expect(history.messages.map((m: { seq: number; text: string }) => [m.seq, m.text])).toEqual([
        [1, 'before restart'],
        [2, 'Ana Silva joined the conversation'],
        [3, 'agent reply'],
      ]);
      await v2.type('synced');
      // A resend of an already-acked cid after the restart is recognised…
      v2.send({ type: 'send', cid: 'before-1', text: 'before restart' });
      expect(await v2.type('ack', (f) => f.cid === 'before-1')).toMatchObject({ seq: 1 });
      // …and new messages continue the sequence.
      v2.send({ type: 'send', cid: 'after-1', text: 'after restart' });
      expect(await v2.type('ack', (f) => f.cid === 'after-1')).toMatchObject({ seq: 4 });
    },
  );
});

describe('shutdown', () => {
  it('graceful shutdown commits queued messages, acks them, then closes sockets with 4503', async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const first = await start(tmp.dir);
    const s = await visitorSession(first.app);
    const v = pool.add(await Client.ready(first.host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'g0', text: 'first' });
    const { conversationId } = await v.type('ack');
    for (let i = 1; i <= 5; i++) v.send({ type: 'send', cid: `g${i}`, text: `m${i}` });
    // Wait until the server has the frames queued (its first ack), then shut down at once.
    await v.type('ack', (f) => f.cid === 'g1');
    const closing = first.app.close();
    const { code } = await v.closed;
    await closing;
    expect(code).toBe(4503);
    const acked = v.received.filter((f) => f.type === 'ack').map((f) => f.cid);
    const second = await start(tmp.dir);
    const stored = (await second.app.storage.messagesSince(conversationId as string, 0)).map((m) => m.cid);
    // Everything acked is stored; nothing stored twice; order kept.
    for (const cid of acked) expect(stored).toContain(cid);
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored).toEqual([...stored].sort());
  });
});
