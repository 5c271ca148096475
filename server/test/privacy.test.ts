/**
 * Personal data over real sockets and a real webhook receiver: an admin exports a visitor's
 * data, erases the visitor (sockets close with 4401, their conversations, messages, notes and
 * search hits are gone, webhooks get `visitor.deleted`, other visitors keep everything, the
 * widget's next session is a new visitor), and retention deletes old closed conversations.
 */
import type { ApiVisitorExport } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client, ClientPool, listen, login, testApp, visitorSession, waitUntil } from './helpers.js';
import { Receiver } from './webhook-receiver.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;
let receiver: Receiver;
const pool = new ClientPool();

beforeEach(async () => {
  receiver = new Receiver(0);
  await receiver.start();
  ({ app, dispose } = await testApp({
    webhooks: { allowPrivate: true, pollMs: 20, retryBaseMs: 20, timeoutMs: 2000 },
  }));
  host = await listen(app);
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
  await receiver.stop();
});

const rest = (token: string, method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, payload?: object) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

it('an admin exports a visitor, then erases them: everything about them goes, the webhook says so, others stay', async () => {
  const admin = await login(app, 'admin@demo.test');
  const hook = await rest(admin, 'POST', '/api/v1/sites/demo/webhooks', {
    url: receiver.url,
    events: ['visitor.deleted'],
  });
  expect(hook.statusCode).toBe(200);
  receiver.secret = (hook.json() as { secret: string }).secret;
  const anaToken = await login(app, 'ana@demo.test');
  const ana = pool.add(await Client.ready(host, '/ws/agent', anaToken));

  // The visitor to erase: a conversation with a reply and a note, a closed one before it.
  const s = await visitorSession(app);
  const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  tab.send({ type: 'send', cid: 'v-1', text: 'My address is 12 Quince Lane' });
  const convId = (await tab.type('ack', (f) => f.cid === 'v-1')).conversationId as string;
  ana.send({ type: 'claim', cid: 'c-1', conversationId: convId });
  await ana.type('ack', (f) => f.cid === 'c-1');
  ana.send({ type: 'send', cid: 'a-1', conversationId: convId, text: 'Noted, Quince Lane it is' });
  await ana.type('ack', (f) => f.cid === 'a-1');
  ana.send({ type: 'note', cid: 'n-1', conversationId: convId, text: 'Customer moved house' });
  await ana.type('ack', (f) => f.cid === 'n-1');
  // Another visitor, who keeps everything.
  const other = await visitorSession(app);
  const otherTab = pool.add(await Client.ready(host, '/ws/visitor', other.token));
  otherTab.send({ type: 'send', cid: 'o-1', text: 'Quince jam in stock?' });
  const otherConv = (await otherTab.type('ack', (f) => f.cid === 'o-1')).conversationId as string;

  // Export: one JSON file with the profile, the visit, the conversation whole (notes too).
  const exp = await rest(admin, 'GET', `/api/v1/sites/demo/visitors/${s.visitorId}/export`);
  expect(exp.statusCode).toBe(200);
  expect(exp.headers['content-disposition']).toBe(`attachment; filename="visitor-${s.visitorId}.json"`);
  expect(exp.headers['cache-control']).toBe('no-store');
  const data = exp.json() as ApiVisitorExport;
  expect(data.site).toBe('demo');
  expect(data.visitor.id).toBe(s.visitorId);
  expect(data.conversations.map((c) => c.conversation.id)).toEqual([convId]);
  expect(data.conversations[0]?.messages.map((m) => m.text)).toEqual([
    'My address is 12 Quince Lane',
    expect.stringContaining('joined'),
    'Noted, Quince Lane it is',
  ]);
  expect(data.conversations[0]?.notes.map((n) => n.text)).toEqual(['Customer moved house']);
  expect(data.block).toBeNull();

  // Agents may neither export nor erase; another site's admin token is refused; unknown is 404.
  expect((await rest(anaToken, 'GET', `/api/v1/sites/demo/visitors/${s.visitorId}/export`)).statusCode).toBe(
    403,
  );
  expect((await rest(anaToken, 'DELETE', `/api/v1/sites/demo/visitors/${s.visitorId}`)).statusCode).toBe(403);
  expect(
    (await app.inject({ method: 'DELETE', url: `/api/v1/sites/demo/visitors/${s.visitorId}` })).statusCode,
  ).toBe(401);
  expect((await rest(admin, 'DELETE', '/api/v1/sites/demo/visitors/v_nobody')).statusCode).toBe(404);

  // Erase.
  const del = await rest(admin, 'DELETE', `/api/v1/sites/demo/visitors/${s.visitorId}`);
  expect(del.statusCode).toBe(200);
  // Claimed, replied, closed on the way: the visitor's line, the join, the reply, the close.
  expect(del.json()).toEqual({ visitorId: s.visitorId, conversations: 1, messages: 4 });
  expect((await tab.closed).code).toBe(4401);
  // The agent saw it closed first; then it is gone from every read.
  await ana.type('conversation', (f) => f.conversation.id === convId && f.conversation.status === 'closed');
  expect((await rest(admin, 'GET', `/api/v1/sites/demo/conversations/${convId}`)).statusCode).toBe(404);
  expect((await rest(admin, 'GET', `/api/v1/sites/demo/visitors/${s.visitorId}`)).statusCode).toBe(404);
  expect((await rest(admin, 'GET', `/api/v1/sites/demo/visitors/${s.visitorId}/export`)).statusCode).toBe(
    404,
  );
  expect((await rest(admin, 'DELETE', `/api/v1/sites/demo/visitors/${s.visitorId}`)).statusCode).toBe(404);
  const hits = (await rest(admin, 'GET', '/api/v1/sites/demo/search?q=quince')).json() as {
    items: { conversation: { id: string } }[];
  };
  expect(hits.items.map((h) => h.conversation.id)).toEqual([otherConv]);
  expect(await app.storage.listNotes(convId)).toEqual([]);

  // The webhook: visitor.deleted, signed, naming the conversations.
  await waitUntil(() => receiver.accepted().size === 1);
  const [event] = [...receiver.accepted().values()];
  expect(event?.signatureOk).toBe(true);
  expect(event?.type).toBe('visitor.deleted');
  expect(event?.body.data).toEqual({
    visitor: { id: s.visitorId, externalId: null },
    conversations: [{ id: convId }],
  });

  // The widget's old token starts a new, empty visitor; the other visitor chats on.
  const fresh = await visitorSession(app, { site: 'demo', token: s.token });
  expect(fresh.visitorId).not.toBe(s.visitorId);
  const freshTab = pool.add(await Client.connect(host, '/ws/visitor', fresh.token));
  freshTab.send({ type: 'hello', v: 1 });
  const welcome = await freshTab.type('welcome');
  expect(welcome.conversations).toEqual([]);
  otherTab.send({ type: 'send', cid: 'o-2', conversationId: otherConv, text: 'Still here' });
  await otherTab.type('ack', (f) => f.cid === 'o-2');
  expect((await app.storage.messagesSince(otherConv, 0)).map((m) => m.text)).toEqual([
    'Quince jam in stock?',
    'Still here',
  ]);
});

it('retention: an admin sets days; closed conversations older than that are deleted, open and recent ones stay', async () => {
  const admin = await login(app, 'admin@demo.test');
  for (const bad of [-1, 3651, 1.5, 'soon']) {
    const r = await rest(admin, 'PATCH', '/api/admin/sites/demo', { retentionDays: bad });
    expect(r.statusCode, String(bad)).toBe(400);
    expect(r.json()).toMatchObject({ code: 'SB_ERR_VALIDATION' });
  }
  const set = await rest(admin, 'PATCH', '/api/admin/sites/demo', { retentionDays: 30 });
  expect(set.statusCode).toBe(200);
  expect(set.json()).toMatchObject({ retentionDays: 30 });
  expect((await rest(admin, 'GET', '/api/admin/sites/demo')).json()).toMatchObject({ retentionDays: 30 });

  const anaToken = await login(app, 'ana@demo.test');
  const ana = pool.add(await Client.ready(host, '/ws/agent', anaToken));
  const chat = async (cid: string, close: boolean): Promise<string> => {
    const s = await visitorSession(app);
    const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    tab.send({ type: 'send', cid, text: `hello ${cid}` });
    const id = (await tab.type('ack', (f) => f.cid === cid)).conversationId as string;
    if (close) {
      ana.send({ type: 'claim', cid: `claim-${cid}`, conversationId: id });
      await ana.type('ack', (f) => f.cid === `claim-${cid}`);
      ana.send({ type: 'close', cid: `close-${cid}`, conversationId: id });
      await ana.type('ack', (f) => f.cid === `close-${cid}`);
    }
    return id;
  };
  const closed = await chat('r-1', true);
  const open = await chat('r-2', false);
  const closedAt = (await app.storage.getConversation(closed))?.closedAt ?? 0;
  expect(closedAt).toBeGreaterThan(0);

  // 29 days after the close: nothing yet. 30 days and a minute after: the closed one goes.
  const day = 86_400_000;
  expect(await app.chat.applyRetention(closedAt + 29 * day)).toEqual({});
  expect(await app.chat.applyRetention(closedAt + 30 * day + 60_000)).toEqual({ demo: 1 });
  expect(await app.storage.getConversation(closed)).toBeNull();
  expect(await app.storage.messagesSince(closed, 0)).toEqual([]);
  expect((await app.storage.getConversation(open))?.status).toBe('queued');

  // Retention off: nothing is deleted however old.
  const off = await rest(admin, 'PATCH', '/api/admin/sites/demo', { retentionDays: 0 });
  expect(off.json()).toMatchObject({ retentionDays: null });
  const again = await chat('r-3', true);
  expect(await app.chat.applyRetention(Date.now() + 3650 * day)).toEqual({});
  expect(await app.storage.getConversation(again)).not.toBeNull();
});
