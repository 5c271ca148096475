import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import type { ConfigOverrides } from '../src/config.js';
import {
  Client,
  ClientPool,
  listen,
  login,
  ORIGIN,
  TEST_SCRYPT_N,
  tempDir,
  visitorSession,
  waitUntil,
} from './helpers.js';

const pool = new ClientPool();
const apps: FastifyInstance[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
const raw: WebSocket[] = [];

async function start(dir: string, config: ConfigOverrides = {}): Promise<FastifyInstance> {
  const app = await buildApp({
    config: { scryptN: TEST_SCRYPT_N, dataDir: dir, logLevel: 'silent', ...config },
    logger: false,
  });
  apps.push(app);
  return app;
}
function tmp(): string {
  const t = tempDir();
  dirs.push(t);
  return t.dir;
}

afterEach(async () => {
  for (const ws of raw.splice(0)) ws.terminate();
  await pool.closeAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const d of dirs.splice(0)) d.remove();
});

/** A peer that completes hello but never answers WebSocket pings (a dead network, a frozen tab). */
async function mutePeer(host: string, path: '/ws/visitor' | '/ws/agent', token: string) {
  const ws = new WebSocket(`ws://${host}${path}?token=${encodeURIComponent(token)}`, {
    origin: ORIGIN,
    autoPong: false,
  });
  raw.push(ws);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const synced = new Promise<void>((resolve) =>
    ws.on('message', (d) => {
      if ((JSON.parse(String(d)) as { type: string }).type === 'synced') resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'hello', v: 1 }));
  await synced;
  return { ws, closed };
}

describe('heartbeat over real sockets', () => {
  it('terminates peers that stop answering pings and cleans them from the registry; live ones stay', async () => {
    const app = await start(tmp(), { limits: { heartbeatMs: 100 } });
    const host = await listen(app);
    const s = await visitorSession(app);
    const ana = await login(app, 'ana@demo.test');
    const ben = await login(app, 'ben@demo.test');
    const baseline = app.hub.stats();

    const healthy = pool.add(await Client.ready(host, '/ws/agent', ben));
    let pings = 0;
    healthy.ws.on('ping', () => pings++);
    const muteVisitor = await mutePeer(host, '/ws/visitor', s.token);
    const muteAgent = await mutePeer(host, '/ws/agent', ana);
    expect(app.hub.size).toBe(baseline.sockets + 3);
    expect(app.presence.status((await app.storage.getAccountByEmail('ana@demo.test'))?.id ?? '')).toBe(
      'online',
    );

    // Terminated without a close frame: the peer sees 1006.
    expect(await muteVisitor.closed).toBe(1006);
    expect(await muteAgent.closed).toBe(1006);
    await waitUntil(() => app.hub.size === baseline.sockets + 1, 5000, 'mute sockets removed');
    // The healthy socket answered ping after ping and is still open.
    await waitUntil(() => pings >= 3, 5000, 'three pings');
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    // The agents see the visitor go offline (coalesced: within one presence window).
    await healthy.type('visitor', (f) => f.online === false);
    await healthy.close();
    await waitUntil(() => app.hub.size === baseline.sockets);
    expect(app.hub.stats()).toEqual(baseline);
    expect(app.gateway.connections).toBe(0);
    // Both agents dropped: one grace timer each, nothing per socket.
    expect(app.presence.pendingGraceTimers).toBe(2);
    const anaId = (await app.storage.getAccountByEmail('ana@demo.test'))?.id ?? '';
    expect(app.presence.status(anaId)).toBe('offline');
  });
});

describe('visitor presence in summaries', () => {
  it('conversation summaries carry visitor.online from the hub', async () => {
    const app = await start(tmp());
    const host = await listen(app);
    const s = await visitorSession(app);
    const a = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'x', text: 'hi' });
    const { conversationId } = await v.type('ack');
    const live = await a.type('conversation', (f) => f.conversation.id === conversationId);
    expect(live.conversation.visitor).toMatchObject({ id: s.visitorId, online: true });

    // A second agent signing in now sees the visitor online in its welcome.
    const b = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));
    const welcome = b.received.find((f) => f.type === 'welcome');
    expect(welcome?.conversations[0]?.visitor).toMatchObject({ id: s.visitorId, online: true });

    await v.close();
    await a.type('visitor', (f) => f.visitorId === s.visitorId && f.online === false);
    a.send({ type: 'claim', cid: 'c', conversationId });
    const after = await a.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.status === 'assigned',
    );
    expect(after.conversation.visitor.online).toBe(false);
  });
});

describe('agents still assigned when the server restarts', () => {
  async function assignedBeforeRestart(dir: string) {
    const app = await start(dir);
    const host = await listen(app);
    const s = await visitorSession(app);
    const a = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'x', text: 'hi' });
    const { conversationId } = await v.type('ack');
    a.send({ type: 'claim', cid: 'c', conversationId });
    await a.type('ack', (f) => f.cid === 'c');
    await pool.closeAll();
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    return conversationId as string;
  }

  it('get the grace period on start; if they do not come back, their conversations are re-queued', async () => {
    const dir = tmp();
    const conversationId = await assignedBeforeRestart(dir);
    const app = await start(dir, { agentGraceMs: 100 });
    // No socket ever connects: the timer started on start alone re-queues the conversation.
    await waitUntil(
      () => app.presence.pendingGraceTimers === 0 && app.presence.size === 0,
      5000,
      'grace expired',
    );
    await waitUntil(
      async () => (await app.storage.getConversation(conversationId))?.status === 'queued',
      5000,
      'conversation re-queued',
    );
    expect(await app.storage.getConversation(conversationId)).toMatchObject({ agentId: null });
    const lines = await app.storage.messagesSince(conversationId, 0);
    expect(lines.at(-1)?.text).toContain('back in the queue');
  });

  it('an agent who reconnects within the grace period keeps their conversations', async () => {
    const dir = tmp();
    const conversationId = await assignedBeforeRestart(dir);
    const app = await start(dir, { agentGraceMs: 60_000 });
    const anaId = (await app.storage.getAccountByEmail('ana@demo.test'))?.id as string;
    expect(app.presence.pendingGraceTimers).toBe(1);
    expect(app.presence.status(anaId)).toBe('offline');
    const timersWithGrace = app.timers.active;
    const host = await listen(app);
    const a = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    expect(app.presence.pendingGraceTimers).toBe(0);
    expect(app.timers.active).toBe(timersWithGrace - 1);
    expect(app.presence.status(anaId)).toBe('online');
    expect(await app.storage.getConversation(conversationId)).toMatchObject({
      status: 'assigned',
      agentId: anaId,
    });
    await a.close();
    await waitUntil(() => app.presence.pendingGraceTimers === 1, 5000, 'grace restarted on drop');
  });
});
