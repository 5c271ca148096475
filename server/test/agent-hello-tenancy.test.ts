import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteStorage } from '../src/storage/sqlite.js';
import type { ConversationRecord } from '../src/storage/types.js';
import { Client, ClientPool, listen, login, tempDir, testApp, visitorSession } from './helpers.js';

/** A real SQLite store whose next lookup of one conversation waits until released (an async store's round trip). */
class GatedStorage extends SqliteStorage {
  private gate: { id: string; entered: () => void; release: Promise<void> } | null = null;

  arm(id: string): { entered: Promise<void>; release: () => void } {
    let entered!: () => void;
    let release!: () => void;
    const enteredP = new Promise<void>((r) => {
      entered = r;
    });
    const releaseP = new Promise<void>((r) => {
      release = r;
    });
    this.gate = { id, entered, release: releaseP };
    return { entered: enteredP, release };
  }

  override async getConversation(id: string): Promise<ConversationRecord | null> {
    const g = this.gate;
    if (g && g.id === id) {
      this.gate = null; // one-shot
      g.entered();
      await g.release;
    }
    return super.getConversation(id);
  }
}

const pool = new ClientPool();
const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await pool.closeAll();
  for (const d of disposers.splice(0)) await d();
});

it("an agent's hello cursor for another site's conversation never subscribes to it, even while the check is in flight", async () => {
  const tmp = tempDir();
  const storage = new GatedStorage(join(tmp.dir, 'gated.db'));
  const { app, dispose } = await testApp({}, { storage }, tmp.dir);
  disposers.push(async () => {
    await dispose();
    tmp.remove();
  });
  const host = await listen(app);
  await storage.createSite({
    id: 'other',
    name: 'Other shop',
    secret: 'other-secret',
    allowedOrigins: ['http://localhost:*'],
    departments: [],
    color: '#000000',
    title: 'Other',
    greeting: 'Hello',
    createdAt: Date.now(),
  });
  const s = await visitorSession(app, { site: 'other' });
  const stranger = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  stranger.send({ type: 'send', cid: 'o1', text: 'private to the other shop' });
  const { conversationId } = await stranger.type('ack', (f) => f.cid === 'o1');

  const gate = storage.arm(conversationId);
  const ana = pool.add(await Client.connect(host, '/ws/agent', await login(app, 'ana@demo.test')));
  ana.send({ type: 'hello', v: 1, cursors: { [conversationId]: 0 } });
  await gate.entered;
  // While the gateway waits for the store, the other shop's conversation goes on.
  stranger.send({ type: 'send', cid: 'o2', text: 'second private line' });
  await stranger.type('ack', (f) => f.cid === 'o2');
  gate.release();
  await ana.type('synced');
  // A later frame on Ana's socket proves everything published before has been delivered.
  ana.send({ type: 'ping' });
  await ana.type('pong');
  const leaked = ana.received.filter(
    (f) => (f.type === 'message' || f.type === 'history') && f.conversationId === conversationId,
  );
  expect(leaked).toEqual([]);
  expect(JSON.stringify(ana.received)).not.toContain('private');
});
