/**
 * Two gateway nodes on one PostgreSQL and one Redis (both real, started by the global
 * setups): frames, presence and "visitor online" cross nodes, claims race to one winner, a
 * dropped agent is re-queued once and only when gone from every node, and a node that dies
 * without a word stops counting within its TTL.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { RedisBus } from '../src/bus/redis.js';
import { Cluster } from '../src/cluster.js';
import type { ConfigOverrides } from '../src/config.js';
import { Timers } from '../src/timers.js';
import { PNG } from './fixture-files.js';
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
import { type PgTestDatabase, pgSkipped, pgTestDatabase } from './pg-helpers.js';

const redisUrl = inject('redisUrl');
const skip = pgSkipped || redisUrl === '';

const pool = new ClientPool();
const apps: FastifyInstance[] = [];
const dbs: PgTestDatabase[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const c of cleanups.splice(0)) await c();
  for (const d of dbs.splice(0)) await d.drop();
  for (const d of dirs.splice(0)) d.remove();
});

interface Node {
  app: FastifyInstance;
  host: string;
}

/** Two nodes of one installation: same database, same Redis prefix, same JWT secret. */
async function twoNodes(config: ConfigOverrides = {}, redis = redisUrl): Promise<[Node, Node]> {
  const db = await pgTestDatabase();
  dbs.push(db);
  const prefix = `sb_test:${randomBytes(6).toString('hex')}:`;
  const nodes: Node[] = [];
  for (let i = 0; i < 2; i++) {
    const dir = tempDir();
    dirs.push(dir);
    const app = await buildApp({
      config: {
        dataDir: dir.dir,
        seed: true,
        seedHistory: false,
        logLevel: 'silent',
        scryptN: TEST_SCRYPT_N,
        databaseUrl: db.url,
        redisUrl: redis,
        redisPrefix: prefix,
        jwtSecret: 'two-nodes-test-secret',
        clusterHeartbeatMs: 100,
        ...config,
      },
      logger: false,
    });
    apps.push(app);
    nodes.push({ app, host: await listen(app) });
  }
  const [a, b] = nodes as [Node, Node];
  // Each node has heard the other's hello.
  await waitUntil(() => clusterOf(a.app).peers === 1 && clusterOf(b.app).peers === 1, 5000, 'nodes meet');
  return [a, b];
}

function clusterOf(app: FastifyInstance): { peers: number } {
  return (app.presence as unknown as { cluster: Cluster }).cluster;
}

async function agentId(app: FastifyInstance, email: string): Promise<string> {
  const a = await app.storage.getAccountByEmail(email);
  if (!a) throw new Error(`no agent ${email}`);
  return a.id;
}

describe.skipIf(skip)('two gateway nodes on PostgreSQL and Redis', () => {
  it('the whole loop with the visitor on node A and the agents on node B (and A): one claim wins', async () => {
    const [a, b] = await twoNodes();
    const ana = pool.add(await Client.ready(b.host, '/ws/agent', await login(b.app, 'ana@demo.test')));
    const ben = pool.add(await Client.ready(a.host, '/ws/agent', await login(a.app, 'ben@demo.test')));
    const anaId = await agentId(a.app, 'ana@demo.test');
    const benId = await agentId(a.app, 'ben@demo.test');
    // Node A learns that Ana (on B) is online: its visitors are told someone is there.
    await waitUntil(() => a.app.presence.status(anaId) === 'online', 5000, 'A sees Ana online');
    const site = await b.app.storage.getSite('demo');
    const { identityHash } = await import('../src/http/auth.js');
    const s = await visitorSession(a.app, {
      site: 'demo',
      user: { id: 'shopper-2n', hash: identityHash('shopper-2n', site?.secret ?? '') },
    });
    const v = pool.add(await Client.ready(a.host, '/ws/visitor', s.token));
    expect(v.received.find((f) => f.type === 'welcome')?.site.agentsOnline).toBe(true);
    await ana.type('visitor', (f) => f.visitorId === s.visitorId && f.online === true);

    v.send({ type: 'send', cid: 'v-1', text: 'Hi from node A' });
    const { conversationId } = await v.type('ack', (f) => f.cid === 'v-1');
    await ana.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.status === 'queued',
    );
    await ben.type('conversation', (f) => f.conversation.id === conversationId);

    // Both claim at once, on different nodes: exactly one wins.
    ana.send({ type: 'claim', cid: 'ca', conversationId });
    ben.send({ type: 'claim', cid: 'cb', conversationId });
    const [ra, rb] = await Promise.all([
      ana.next((f) => f.cid === 'ca' && (f.type === 'ack' || f.type === 'error')),
      ben.next((f) => f.cid === 'cb' && (f.type === 'ack' || f.type === 'error')),
    ]);
    expect([ra.type, rb.type].sort()).toEqual(['ack', 'error']);
    const loser = ra.type === 'error' ? ra : rb;
    expect(loser.code).toBe('SB_ERR_ALREADY_CLAIMED');
    const [winner, winnerId, other, otherId] =
      ra.type === 'ack' ? [ana, anaId, ben, benId] : [ben, benId, ana, anaId];
    const joined = await v.type('message', (f) => f.message.event?.kind === 'joined');
    expect(joined.message.seq).toBe(2);

    // A reply from either node reaches the visitor on A, once; typing and Seen cross too.
    winner.send({ type: 'send', cid: 'w-1', conversationId, text: 'Hello from the agent' });
    const reply = await v.type('message', (f) => f.message.cid === 'w-1');
    expect(reply.message.seq).toBe(3);
    winner.send({ type: 'typing', conversationId, on: true });
    await v.type('typing', (f) => f.on === true);
    v.send({ type: 'read', conversationId, seq: 3 });
    expect(await winner.type('read', (f) => f.by === 'visitor')).toMatchObject({ seq: 3 });

    // Transfer with a note to the agent on the other node.
    winner.send({ type: 'transfer', cid: 't-1', conversationId, toAgentId: otherId, note: 'over to you' });
    await winner.type('ack', (f) => f.cid === 't-1');
    expect((await other.type('note')).note.text).toBe('over to you');
    await other.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.agent?.id === otherId,
    );
    expect(winnerId).not.toBe(otherId);
    other.send({ type: 'send', cid: 'o-1', conversationId, text: 'Taking over' });
    await v.type('message', (f) => f.message.cid === 'o-1');
    other.send({ type: 'close', cid: 'x-1', conversationId });
    await v.type('conversation', (f) => f.conversation.status === 'closed');

    // A notify call on node B reaches the visitor on node A.
    const res = await b.app.inject({
      method: 'POST',
      url: '/api/sites/demo/notify',
      headers: { authorization: `Bearer ${site?.secret}` },
      payload: { userId: 'shopper-2n', text: 'Your order has shipped' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().delivered).toBe(true);
    await v.type('message', (f) => f.message.event?.kind === 'notice');

    // Every message reached the visitor exactly once, in order, gap-free.
    const seqs = v.received.filter((f) => f.type === 'message').map((f) => f.message.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const stored = (await a.app.storage.messagesSince(conversationId as string, 0)).map((m) => m.seq);
    expect(seqs).toEqual(stored);
  });

  it('a file uploaded on node A reaches an agent on node B, whose node serves it (bytes in PostgreSQL)', async () => {
    const [a, b] = await twoNodes();
    const anaToken = await login(b.app, 'ana@demo.test');
    const ana = pool.add(await Client.ready(b.host, '/ws/agent', anaToken));
    const s = await visitorSession(a.app);
    const v = pool.add(await Client.ready(a.host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'hi', text: 'A photo follows' });
    const { conversationId } = await v.type('ack', (f) => f.cid === 'hi');
    await ana.type('conversation', (f) => f.conversation.id === conversationId);
    ana.send({ type: 'claim', cid: 'c', conversationId });
    await ana.type('ack', (f) => f.cid === 'c');
    const up = await a.app.inject({
      method: 'POST',
      url: '/api/sites/demo/attachments?name=photo.png',
      headers: {
        authorization: `Bearer ${s.token}`,
        'content-type': 'application/octet-stream',
        origin: ORIGIN,
      },
      payload: PNG,
    });
    expect(up.statusCode).toBe(201);
    v.send({ type: 'send', cid: 'file', text: '', attachment: up.json().id });
    const got = await ana.type('message', (f) => f.message.cid === 'file');
    const served = await b.app.inject({ method: 'GET', url: got.message.attachment.url });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(PNG)).toBe(true);
    // No file was written under either node's DATA_DIR: the bytes are in the database.
    for (const d of dirs) expect(existsSync(join(d.dir, 'attachments'))).toBe(false);
  });

  it('an agent on both nodes stays online until both sockets are gone, then is re-queued once', async () => {
    const [a, b] = await twoNodes({ agentGraceMs: 300 });
    const anaId = await agentId(a.app, 'ana@demo.test');
    const onA = pool.add(await Client.ready(a.host, '/ws/agent', await login(a.app, 'ana@demo.test')));
    const onB = pool.add(await Client.ready(b.host, '/ws/agent', await login(b.app, 'ana@demo.test')));
    const ben = pool.add(await Client.ready(a.host, '/ws/agent', await login(a.app, 'ben@demo.test')));
    const s = await visitorSession(b.app);
    const v = pool.add(await Client.ready(b.host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'v-1', text: 'hi' });
    const { conversationId } = await v.type('ack');
    onA.send({ type: 'claim', cid: 'c', conversationId });
    await onA.type('ack', (f) => f.cid === 'c');
    await waitUntil(() => b.app.presence.status(anaId) === 'online', 5000, 'B sees Ana');

    // Her socket on A goes: still online (B holds one), no grace anywhere.
    await onA.close();
    await waitUntil(
      () => a.app.presence.status(anaId) === 'online' && a.app.hub.size === 1,
      5000,
      'A after close',
    );
    expect(a.app.presence.pendingGraceTimers + b.app.presence.pendingGraceTimers).toBe(0);
    // A marker through the same path proves no offline frame was on its way before it.
    onB.send({ type: 'status', status: 'away' });
    await ben.type('presence', (f) => f.agent.id === anaId && f.agent.status === 'away');
    expect(
      ben.received.some((f) => f.type === 'presence' && f.agent.id === anaId && f.agent.status === 'offline'),
    ).toBe(false);
    // The away status chosen on B is what A shows too.
    await waitUntil(() => a.app.presence.status(anaId) === 'away', 5000, 'A sees away');

    // Then her last socket (on B) goes: offline everywhere, re-queued after the grace period, once.
    await onB.close();
    await ben.type('presence', (f) => f.agent.id === anaId && f.agent.status === 'offline');
    await v.type('message', (f) => f.message.event?.kind === 'transferred');
    await ben.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.status === 'queued',
    );
    await waitUntil(
      () => a.app.presence.pendingGraceTimers + b.app.presence.pendingGraceTimers === 0,
      5000,
      'grace timers done',
    );
    // A marker after the re-queue: the transfer line was written once.
    v.send({ type: 'send', cid: 'v-2', text: 'still there?' });
    await v.type('ack', (f) => f.cid === 'v-2');
    const lines = (await a.app.storage.messagesSince(conversationId as string, 0)).filter(
      (m) => m.event?.kind === 'transferred',
    );
    expect(lines).toHaveLength(1);
  });

  it('a visitor with tabs on both nodes stays online until the last tab closes', async () => {
    const [a, b] = await twoNodes();
    const ana = pool.add(await Client.ready(a.host, '/ws/agent', await login(a.app, 'ana@demo.test')));
    const s = await visitorSession(a.app);
    const tabA = pool.add(await Client.ready(a.host, '/ws/visitor', s.token));
    await ana.type('visitor', (f) => f.visitorId === s.visitorId && f.online === true);
    const tabB = pool.add(await Client.ready(b.host, '/ws/visitor', s.token));
    await waitUntil(() => clusterOfVisitors(a.app, s.visitorId), 5000, 'A hears tab B');
    await tabA.close();
    // A message from the tab on B after the close: agents still see the visitor online.
    tabB.send({ type: 'send', cid: 'b-1', text: 'from tab B' });
    await ana.type('conversation', (f) => f.conversation.lastMessage?.text === 'from tab B');
    expect(ana.received.some((f) => f.type === 'visitor' && f.online === false)).toBe(false);
    const summary = ana.received.filter((f) => f.type === 'conversation').at(-1);
    expect(summary?.conversation.visitor.online).toBe(true);
    await tabB.close();
    await ana.type('visitor', (f) => f.visitorId === s.visitorId && f.online === false);
  });

  it('settings changed on node A reach node B: its cached site, its sockets and its visitors', async () => {
    const [a, b] = await twoNodes();
    const before = await visitorSession(b.app);
    const v = pool.add(await Client.ready(b.host, '/ws/visitor', before.token));
    expect(v.received.find((f) => f.type === 'welcome')?.site.title).not.toBe('Help from node A');
    const admin = await login(a.app, 'admin@demo.test');
    const res = await a.app.inject({
      method: 'PUT',
      url: '/api/sites/demo/settings',
      headers: { authorization: `Bearer ${admin}` },
      payload: { title: 'Help from node A' },
    });
    expect(res.statusCode, res.body).toBe(200);
    // The live socket on B hears the site frame; B's config answers with the new title.
    await v.type('site', (f) => f.site.title === 'Help from node A');
    await waitUntil(
      async () =>
        (await b.app.inject({ method: 'GET', url: '/api/sites/demo/config' })).json().title ===
        'Help from node A',
      5000,
      'B refreshed its site cache',
    );
  });

  it('a visitor erased on node A loses their socket on node B (4401) and their data on both', async () => {
    const [a, b] = await twoNodes();
    const s = await visitorSession(b.app);
    const tab = pool.add(await Client.ready(b.host, '/ws/visitor', s.token));
    tab.send({ type: 'send', cid: 'e-1', text: 'erase me' });
    const conv = (await tab.type('ack', (f) => f.cid === 'e-1')).conversationId as string;
    const admin = await login(a.app, 'admin@demo.test');
    const res = await a.app.inject({
      method: 'DELETE',
      url: `/api/v1/sites/demo/visitors/${s.visitorId}`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.json()).toMatchObject({ visitorId: s.visitorId, conversations: 1 });
    expect((await tab.closed).code).toBe(4401);
    expect(await b.app.storage.getConversation(conv)).toBeNull();
    await expect(Client.connect(b.host, '/ws/visitor', s.token)).rejects.toThrow('HTTP 401');
  });

  it('signing out on node A closes that session’s agent socket on node B (4401)', async () => {
    const [a, b] = await twoNodes();
    const res = await a.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'ana@demo.test', password: 'demo1234' },
    });
    const token = (res.json() as { token: string }).token;
    const raw = res.headers['set-cookie'];
    const cookie = (Array.isArray(raw) ? raw : [raw])
      .find((c) => c?.startsWith('sb_refresh='))
      ?.split(';')[0];
    expect(cookie).toBeTruthy();
    const onB = pool.add(await Client.ready(b.host, '/ws/agent', token));
    const out = await a.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: cookie ?? '' },
    });
    expect(out.statusCode).toBe(204);
    expect((await onB.closed).code).toBe(4401);
    // Node B refuses that session's access token from now on (REST and a new socket).
    const me = await b.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(401);
    await expect(Client.connect(b.host, '/ws/agent', token)).rejects.toThrow('HTTP 401');
  });

  it("a visitor's socket cap holds across nodes (kept in Redis); a freed slot on one node is usable on the other", async () => {
    const [a, b] = await twoNodes({ limits: { maxSocketsPerVisitor: 2 } });
    const { token } = await visitorSession(a.app);
    const onA = pool.add(await Client.ready(a.host, '/ws/visitor', token));
    pool.add(await Client.ready(b.host, '/ws/visitor', token));
    const third = pool.add(await Client.connect(a.host, '/ws/visitor', token));
    third.send({ type: 'hello', v: 1 });
    expect((await third.closed).code).toBe(4429);
    await onA.close();
    // The slot is given back asynchronously: wait until a new socket on B is let in.
    await waitUntil(
      async () => {
        const c = await Client.connect(b.host, '/ws/visitor', token);
        pool.add(c);
        c.send({ type: 'hello', v: 1 });
        const r = await Promise.race([
          c.next((f) => f.type === 'synced').then(() => 'in'),
          c.closed.then(() => 'out'),
        ]);
        return r === 'in';
      },
      5000,
      'a slot freed on A is usable on B',
    );
  });

  it('the per-address limit of a route holds across nodes (kept in Redis)', async () => {
    const [a, b] = await twoNodes({ limits: { loginPerMinute: 3, loginAccountFreeFailures: 100 } });
    const codes: number[] = [];
    for (const node of [a, b, a, b, a]) {
      const res = await node.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'ana@demo.test', password: 'wrong' },
      });
      codes.push(res.statusCode);
    }
    // Each node alone has seen at most three: only the shared count refuses the fourth.
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });

  it('Redis goes away: local chat goes on and /readyz says so; back: sockets resume and catch up', async () => {
    // A Redis of our own for this test, stopped and started again on the same port.
    const port = await freePort();
    let redis: ChildProcess | null = null;
    const startRedis = async () => {
      redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      await waitUntil(() => canConnect(port), 10_000, 'redis listening');
    };
    const stopRedis = async () => {
      const r = redis as ChildProcess | null;
      if (!r || r.exitCode !== null) return;
      const exited = new Promise((resolve) => r.once('exit', resolve));
      r.kill('SIGKILL');
      await exited;
    };
    cleanups.push(stopRedis);
    await startRedis();
    const [a, b] = await twoNodes({}, `redis://127.0.0.1:${port}`);
    const ana = pool.add(await Client.ready(a.host, '/ws/agent', await login(a.app, 'ana@demo.test')));
    const benToken = await login(b.app, 'ben@demo.test');
    const s = await visitorSession(a.app);
    const v = pool.add(await Client.ready(a.host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'v-1', text: 'before the outage' });
    const { conversationId } = await v.type('ack');
    ana.send({ type: 'claim', cid: 'c', conversationId });
    await ana.type('ack', (f) => f.cid === 'c');
    const ben = pool.add(await Client.ready(b.host, '/ws/agent', benToken));
    ben.send({ type: 'open', conversationId, since: 0 });
    await ben.type('history', (f) => f.conversationId === conversationId);

    await stopRedis();
    await waitUntil(
      async () => (await a.app.inject({ url: '/readyz' })).statusCode === 503,
      10_000,
      'A not ready',
    );
    expect((await a.app.inject({ url: '/readyz' })).json()).toMatchObject({
      ok: false,
      db: 'ok',
      bus: 'error',
    });
    expect(a.app.bus.state().connected).toBe(false);
    // Chat between sockets of node A goes on.
    v.send({ type: 'send', cid: 'v-2', text: 'during the outage' });
    await ana.type('message', (f) => f.message.cid === 'v-2');
    expect(ben.received.some((f) => f.type === 'message' && f.message.cid === 'v-2')).toBe(false);
    const metrics = (await a.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/switchboard_bus_connected 0/);
    // The per-route limits fail open: a new visitor still gets a session.
    expect((await visitorSession(a.app)).token).toEqual(expect.any(String));

    await startRedis();
    await waitUntil(
      async () => (await a.app.inject({ url: '/readyz' })).statusCode === 200,
      15_000,
      'A ready',
    );
    // Every node asks its sockets to resume: each replays what crossed no node meanwhile.
    expect((await ben.closed).code).toBe(4503);
    expect((await v.closed).code).toBe(4503);
    const again = pool.add(
      await Client.ready(b.host, '/ws/agent', benToken, { [conversationId as string]: 2 }),
    );
    const replay = await again.type('history', (f) => f.conversationId === conversationId);
    expect(replay.messages.map((m: { seq: number; cid?: string }) => [m.seq, m.cid])).toEqual([[3, 'v-2']]);
  });

  it('a node that dies without a word stops counting within its TTL', async () => {
    const prefix = `sb_test:${randomBytes(6).toString('hex')}:`;
    const timers = new Timers();
    const buses: RedisBus[] = [];
    const open = async () => {
      const bus = await RedisBus.open(redisUrl, { prefix });
      buses.push(bus);
      return bus;
    };
    cleanups.push(async () => {
      timers.clearAll();
      await Promise.all(buses.map((x) => x.close()));
    });
    const seen: string[] = [];
    const watcher = new Cluster(await open(), timers, 50);
    await watcher.start(
      { agents: () => [], visitors: () => [] },
      {
        agent: (id) => seen.push(id),
        visitor: () => undefined,
        site: () => undefined,
        erased: () => undefined,
        sessionEnded: () => undefined,
      },
    );
    const doomedBus = await open();
    const doomed = new Cluster(doomedBus, timers, 50);
    const holding = { agentId: 'a_1', siteId: 'demo', sockets: 1, chosen: 'online' as const, chosenAt: 1 };
    await doomed.start(
      { agents: () => [holding], visitors: () => [['v_1', 'demo']] },
      {
        agent: () => undefined,
        visitor: () => undefined,
        site: () => undefined,
        erased: () => undefined,
        sessionEnded: () => undefined,
      },
    );
    doomed.announceAgent(holding);
    doomed.announceVisitor('v_1', 'demo', true);
    await waitUntil(
      () => watcher.agentElsewhere('a_1').length === 1 && watcher.visitorElsewhere('v_1'),
      5000,
      'seen',
    );
    // Dies: its bus goes, no bye, no more heartbeats.
    await doomedBus.close();
    await waitUntil(
      () => watcher.agentElsewhere('a_1').length === 0 && !watcher.visitorElsewhere('v_1'),
      5000,
      'forgotten',
    );
    expect(watcher.peers).toBe(0);
    expect(seen.filter((id) => id === 'a_1').length).toBeGreaterThanOrEqual(2);
  });
});

function clusterOfVisitors(app: FastifyInstance, visitorId: string): boolean {
  return (app.presence as unknown as { cluster: Cluster }).cluster.visitorElsewhere(visitorId);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.connect(port, '127.0.0.1');
  });
}
