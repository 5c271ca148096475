/**
 * Automatic assignment under a burst: 200 conversations, 5 agents with capacity 3, the site in
 * `auto` mode, over real sockets. Agents close each chat they get; the queue drains as they
 * free up. Nobody is ever over capacity (checked in the database at each assignment), and
 * every conversation is assigned exactly once (one "joined" line each).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemLines } from '../src/routing/index.js';
import {
  Client,
  ClientPool,
  listen,
  login,
  testApp,
  visitorRecord,
  visitorSession,
  waitUntil,
} from './helpers.js';

const CONVERSATIONS = 200;
const AGENTS = 5;
const CAPACITY = 3;

let app: FastifyInstance;
let dispose: () => Promise<void>;
const pool = new ClientPool();

beforeEach(async () => {
  ({ app, dispose } = await testApp({
    limits: {
      upgradeBurst: 0,
      addressRateBurst: 0,
      maxSocketsPerAddress: 0,
      sessionPerMinute: 0,
      siteNewConversationsPerMinute: 0,
    },
  }));
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

describe('automatic assignment', () => {
  it(`${CONVERSATIONS} conversations in a burst to ${AGENTS} agents of capacity ${CAPACITY}: never over capacity, each assigned once`, async () => {
    const host = await listen(app);
    const site = await app.admin.updateSite('demo', { assignment: 'auto' });
    await app.chat.siteChanged(site);
    const agents: { id: string; client: Client }[] = [];
    const overCapacity: string[] = [];
    let assignments = 0;
    for (let i = 0; i < AGENTS; i++) {
      const email = `auto${i}@demo.test`;
      const { agent } = await app.admin.createAgent({
        siteId: 'demo',
        email,
        name: `Auto ${i}`,
        role: 'agent',
        password: 'auto-pass-1',
        maxChats: CAPACITY,
      });
      const client = pool.add(await Client.ready(host, '/ws/agent', await login(app, email, 'auto-pass-1')));
      const me = agent.id;
      const handled = new Set<string>();
      // Each agent closes every chat assigned to them, after checking the database agrees
      // they hold no more than their capacity.
      client.ws.on('message', (data) => {
        const f = JSON.parse(String(data)) as {
          type: string;
          conversation?: { id: string; status: string; agent: { id: string } | null };
        };
        const c = f.conversation;
        if (
          f.type !== 'conversation' ||
          !c ||
          c.status !== 'assigned' ||
          c.agent?.id !== me ||
          handled.has(c.id)
        )
          return;
        handled.add(c.id);
        assignments++;
        void app.storage.listAgentConversations(me).then((held) => {
          if (held.length > CAPACITY) overCapacity.push(`${me} held ${held.length}`);
          client.send({ type: 'close', cid: `close-${c.id}`, conversationId: c.id });
        });
      });
      agents.push({ id: me, client });
    }
    // The seeded agents stay offline: only the five take chats.
    const visitors: Client[] = [];
    for (let i = 0; i < CONVERSATIONS; i++) {
      const v = await visitorSession(app);
      visitors.push(pool.add(await Client.ready(host, '/ws/visitor', v.token)));
    }
    for (const [i, v] of visitors.entries()) v.send({ type: 'send', cid: `first-${i}`, text: `Hello ${i}` });
    const conversationIds = await Promise.all(
      visitors.map(
        async (v, i) =>
          (await v.next((f) => f.type === 'ack' && f.cid === `first-${i}`, 30_000)).conversationId as string,
      ),
    );
    await waitUntil(
      async () => (await app.storage.listOpenConversations('demo')).length === 0,
      120_000,
      'every conversation assigned and closed',
    );
    expect(overCapacity).toEqual([]);
    expect(assignments).toBe(CONVERSATIONS);
    const joinedPerConversation = await Promise.all(
      conversationIds.map(
        async (id) =>
          (await app.storage.messagesSince(id, 0)).filter((m) => m.event?.kind === 'joined').length,
      ),
    );
    expect(joinedPerConversation.every((n) => n === 1)).toBe(true);
    // Spread over all five agents.
    const perAgent = await Promise.all(
      agents.map(async (a) => {
        const rows = await app.storage.listConversations('demo', { agentId: a.id }, null, 1000);
        return rows.length;
      }),
    );
    expect(perAgent.reduce((x, y) => x + y, 0)).toBe(CONVERSATIONS);
    expect(perAgent.every((n) => n > 0)).toBe(true);
  }, 180_000);

  it('in auto mode with nobody online the queue waits; the first agent to come online gets it', async () => {
    const host = await listen(app);
    const v = await visitorSession(app);
    const visitor = pool.add(await Client.ready(host, '/ws/visitor', v.token));
    visitor.send({ type: 'send', cid: 'm-1', text: 'Hello' });
    const conversationId = (await visitor.type('ack', (f) => f.cid === 'm-1')).conversationId as string;
    const site = await app.admin.updateSite('demo', { assignment: 'auto' });
    await app.chat.siteChanged(site);
    app.chat.autoAssign.schedule('demo');
    await app.chat.autoAssign.idle('demo');
    // Nobody online: it waits.
    expect((await app.storage.getConversation(conversationId))?.status).toBe('queued');
    const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    await ana.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.status === 'assigned',
    );
    expect((await app.storage.getConversation(conversationId))?.agentId).toBe(
      (await app.storage.getAccountByEmail('ana@demo.test'))?.id,
    );
  });
});

describe('routing mode per department', () => {
  it('a manual site with Billing automatic: a Billing chat is assigned at once, a Sales one waits to be claimed', async () => {
    const host = await listen(app);
    const admin = await login(app, 'admin@demo.test');
    const patch = (body: object) =>
      app.inject({
        method: 'PATCH',
        url: '/api/admin/sites/demo',
        headers: { authorization: `Bearer ${admin}` },
        payload: body,
      });
    const unknown = await patch({ departmentAssignment: { Returns: 'auto' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'SB_ERR_VALIDATION' });
    expect(unknown.json().message).toContain('"Returns" is not a department');
    const ok = await patch({ assignment: 'manual', departmentAssignment: { Billing: 'auto' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ assignment: 'manual', departmentAssignment: { Billing: 'auto' } });

    const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    const send = async (cid: string, department: string) => {
      const v = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
      v.send({ type: 'send', cid, text: `About ${department}`, department });
      return (await v.type('ack', (f) => f.cid === cid)).conversationId as string;
    };
    const sales = await send('s-1', 'Sales');
    const billing = await send('b-1', 'Billing');
    await ana.type(
      'conversation',
      (f) => f.conversation.id === billing && f.conversation.status === 'assigned',
    );
    await app.chat.autoAssign.idle('demo');
    expect((await app.storage.getConversation(sales))?.status).toBe('queued');
    expect((await app.storage.getConversation(billing))?.department).toBe('Billing');
  });
});

describe('transfers to an agent', () => {
  it('are refused when the agent is offline or at capacity, with the reason', async () => {
    const host = await listen(app);
    const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    const benId = (await app.storage.getAccountByEmail('ben@demo.test'))?.id as string;
    const open = async (cid: string) => {
      const v = await visitorSession(app);
      const visitor = pool.add(await Client.ready(host, '/ws/visitor', v.token));
      visitor.send({ type: 'send', cid, text: 'Hello' });
      return (await visitor.type('ack', (f) => f.cid === cid)).conversationId as string;
    };
    const first = await open('t-1');
    ana.send({ type: 'claim', cid: 'c-1', conversationId: first });
    await ana.type('ack', (f) => f.cid === 'c-1');
    ana.send({ type: 'transfer', cid: 'x-1', conversationId: first, toAgentId: benId });
    const offline = await ana.type('error', (f) => f.cid === 'x-1');
    expect(offline).toMatchObject({ code: 'SB_ERR_CONFLICT' });
    expect(offline.message).toContain('offline');
    // Ben comes online with room for one chat, and takes one.
    await app.storage.updateMembership(benId, 'demo', { maxChats: 1 });
    const ben = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));
    const second = await open('t-2');
    ben.send({ type: 'claim', cid: 'c-2', conversationId: second });
    await ben.type('ack', (f) => f.cid === 'c-2');
    ana.send({ type: 'transfer', cid: 'x-2', conversationId: first, toAgentId: benId });
    const full = await ana.type('error', (f) => f.cid === 'x-2');
    expect(full.message).toContain('at capacity (1 of 1 chats)');
    expect((await app.storage.getConversation(first))?.agentId).toBe(
      (await app.storage.getAccountByEmail('ana@demo.test'))?.id,
    );
    // With room again, the transfer goes through.
    await app.storage.updateMembership(benId, 'demo', { maxChats: 2 });
    ana.send({ type: 'transfer', cid: 'x-3', conversationId: first, toAgentId: benId });
    await ana.type('ack', (f) => f.cid === 'x-3');
    expect((await app.storage.getConversation(first))?.agentId).toBe(benId);
  });
});

describe('the place in the queue', () => {
  it('each waiting visitor hears their position, and the new one when someone ahead is taken', async () => {
    const host = await listen(app);
    const visitors: { client: Client; conversationId: string; token: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const v = await visitorSession(app);
      const client = pool.add(await Client.ready(host, '/ws/visitor', v.token));
      client.send({ type: 'send', cid: `q-${i}`, text: `Hello ${i}` });
      const conversationId = (await client.type('ack', (f) => f.cid === `q-${i}`)).conversationId as string;
      visitors.push({ client, conversationId, token: v.token });
      await client.type('conversation', (f) => f.conversation.queuePosition === i + 1);
    }
    const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    ana.send({ type: 'claim', cid: 'claim-first', conversationId: visitors[0]?.conversationId });
    await ana.type('ack', (f) => f.cid === 'claim-first');
    await visitors[1]?.client.type('conversation', (f) => f.conversation.queuePosition === 1);
    await visitors[2]?.client.type('conversation', (f) => f.conversation.queuePosition === 2);
    // The third visitor reloads: the new socket hears the place again although it did not change.
    const again = pool.add(await Client.ready(host, '/ws/visitor', visitors[2]?.token as string));
    await again.type('conversation', (f) => f.conversation.queuePosition === 2);
    // Positions go to their own visitor only: agents never see them.
    expect(
      ana.received.some((f) => f.type === 'conversation' && f.conversation.queuePosition !== undefined),
    ).toBe(false);
  });

  it('a transfer to a department goes to the front of its queue; each department counts its own', async () => {
    const host = await listen(app);
    const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    const write = async (cid: string, department: string) => {
      const client = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
      client.send({ type: 'send', cid, text: `About ${department}`, department });
      const conversationId = (await client.type('ack', (f) => f.cid === cid)).conversationId as string;
      return { client, conversationId };
    };
    const first = await write('b-1', 'Billing');
    await first.client.type('conversation', (f) => f.conversation.queuePosition === 1);
    const second = await write('b-2', 'Billing');
    await second.client.type('conversation', (f) => f.conversation.queuePosition === 2);
    // Sales is a queue of its own: its first visitor is number 1 there.
    const sales = await write('s-1', 'Sales');
    await sales.client.type('conversation', (f) => f.conversation.queuePosition === 1);

    ana.send({ type: 'claim', cid: 'claim-s', conversationId: sales.conversationId });
    await ana.type('ack', (f) => f.cid === 'claim-s');
    ana.send({
      type: 'transfer',
      cid: 'to-billing',
      conversationId: sales.conversationId,
      department: 'Billing',
      note: 'Refund question',
    });
    await ana.type('ack', (f) => f.cid === 'to-billing');
    // The transferred visitor has waited already: first in Billing; the others move down.
    await sales.client.type('conversation', (f) => f.conversation.queuePosition === 1);
    await first.client.type('conversation', (f) => f.conversation.queuePosition === 2);
    await second.client.type('conversation', (f) => f.conversation.queuePosition === 3);
    const summary = await ana.type(
      'conversation',
      (f) =>
        f.conversation.id === sales.conversationId &&
        f.conversation.status === 'queued' &&
        f.conversation.department === 'Billing',
    );
    expect(summary.conversation).toMatchObject({ queueFront: true });

    // Automatic assignment takes the queue in the same order: Ana, room for one, gets the transferred chat.
    await app.storage.updateMembership(
      (await app.storage.getAccountByEmail('ana@demo.test'))?.id ?? '',
      'demo',
      {
        maxChats: 1,
      },
    );
    const admin = await login(app, 'admin@demo.test');
    const patched = await app.inject({
      method: 'PATCH',
      url: '/api/admin/sites/demo',
      headers: { authorization: `Bearer ${admin}` },
      payload: { departmentAssignment: { Billing: 'auto' } },
    });
    expect(patched.statusCode).toBe(200);
    await ana.type(
      'conversation',
      (f) => f.conversation.id === sales.conversationId && f.conversation.status === 'assigned',
    );
    await first.client.type('conversation', (f) => f.conversation.queuePosition === 1);
    await app.chat.autoAssign.idle('demo');
    expect((await app.storage.getConversation(first.conversationId))?.status).toBe('queued');
    expect((await app.storage.getConversation(second.conversationId))?.status).toBe('queued');
  });

  it('with recent waits to go by, the visitor also hears the estimated wait: the average wait × their place', async () => {
    // Last week's history: one conversation waited 90 s before an agent joined it.
    const t = Date.now();
    const ana = await app.storage.getAccountByEmail('ana@demo.test');
    await app.storage.createVisitor(visitorRecord('v_past', t - 600_000));
    const past = await app.storage.createConversation({
      siteId: 'demo',
      visitorId: 'v_past',
      department: null,
      status: 'queued',
      at: t - 300_000,
    });
    await app.storage.claimConversation(past.id, ana?.id ?? '', SystemLines.joined('Ana'), t - 210_000);
    const host = await listen(app);
    const heard: number[] = [];
    for (let i = 1; i <= 2; i++) {
      const client = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
      client.send({ type: 'send', cid: `w-${i}`, text: 'Hello' });
      const told = await client.type('conversation', (f) => f.conversation.queuePosition === i);
      heard.push(told.conversation.queueWaitMs as number);
    }
    // 90 s → about 2 min for the first; 180 s → 3 min for the second.
    expect(heard).toEqual([120_000, 180_000]);
  });

  it('a site without recent waits says no estimate, and says one as soon as an agent has joined a chat', async () => {
    const host = await listen(app);
    const write = async (cid: string) => {
      const client = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
      client.send({ type: 'send', cid, text: 'Hello' });
      const conversationId = (await client.type('ack', (f) => f.cid === cid)).conversationId as string;
      return { client, conversationId };
    };
    const first = await write('n-1');
    const told = await first.client.type('conversation', (f) => f.conversation.queuePosition === 1);
    expect(told.conversation.queueWaitMs).toBeUndefined();
    const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    ana.send({ type: 'claim', cid: 'claim-n', conversationId: first.conversationId });
    await ana.type('ack', (f) => f.cid === 'claim-n');
    const second = await write('n-2');
    const estimate = await second.client.type('conversation', (f) => f.conversation.queuePosition === 1);
    const joined = (await app.storage.messagesSince(first.conversationId, 0)).find(
      (m) => m.event?.kind === 'joined',
    );
    const conv = await app.storage.getConversation(first.conversationId);
    const waited = (joined?.at ?? 0) - (conv?.createdAt ?? 0);
    expect(estimate.conversation.queueWaitMs).toBe(Math.max(1, Math.ceil(waited / 60_000)) * 60_000);
  });
});
