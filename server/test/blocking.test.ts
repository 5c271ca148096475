/**
 * Blocking a visitor over real sockets: their sockets close with 4403, their open
 * conversation closes, new sessions and sockets are refused with a clear error; only admins
 * (or API keys) unblock; another site's visitor is not found.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client, ClientPool, listen, login, ORIGIN, testApp, visitorSession } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;
const pool = new ClientPool();

beforeEach(async () => {
  ({ app, dispose } = await testApp());
  host = await listen(app);
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

const rest = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

it('an agent blocks a visitor: sockets close with 4403, the conversation closes, sessions and sockets are refused until an admin unblocks', async () => {
  const anaToken = await login(app, 'ana@demo.test');
  const ana = pool.add(await Client.ready(host, '/ws/agent', anaToken));
  const s = await visitorSession(app);
  const tab1 = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  const tab2 = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  tab1.send({ type: 'send', cid: 'v-1', text: 'buy cheap pills' });
  const convId = (await tab1.type('ack', (f) => f.cid === 'v-1')).conversationId as string;
  await ana.type('conversation', (f) => f.conversation.id === convId);

  const blocked = await rest(anaToken, 'POST', `/api/v1/sites/demo/visitors/${s.visitorId}/block`, {
    reason: 'Spam <b>links</b>',
  });
  expect(blocked.statusCode).toBe(200);
  expect(blocked.json()).toMatchObject({ visitorId: s.visitorId, site: 'demo', reason: 'Spam <b>links</b>' });

  // Both tabs' sockets close with 4403; the agent sees the conversation closed.
  expect((await tab1.closed).code).toBe(4403);
  expect((await tab2.closed).code).toBe(4403);
  await ana.type('conversation', (f) => f.conversation.id === convId && f.conversation.status === 'closed');
  expect((await app.storage.getConversation(convId))?.status).toBe('closed');

  // A new session with their token, and a new socket: refused, with a reason.
  const again = await app.inject({
    method: 'POST',
    url: '/api/visitor/session',
    headers: { origin: ORIGIN },
    payload: { site: 'demo', token: s.token },
  });
  expect(again.statusCode).toBe(403);
  expect(again.json()).toMatchObject({
    code: 'SB_ERR_FORBIDDEN',
    message: 'This visitor is blocked on this site',
  });
  await expect(Client.connect(host, '/ws/visitor', s.token)).rejects.toThrow('HTTP 403');

  // Blocking twice keeps the first block; agents cannot list or unblock; admins can.
  expect(
    (await rest(anaToken, 'POST', `/api/v1/sites/demo/visitors/${s.visitorId}/block`, {})).json(),
  ).toMatchObject({
    reason: 'Spam <b>links</b>',
  });
  expect((await rest(anaToken, 'GET', '/api/v1/sites/demo/blocks')).statusCode).toBe(403);
  expect(
    (await rest(anaToken, 'DELETE', `/api/v1/sites/demo/visitors/${s.visitorId}/block`)).statusCode,
  ).toBe(403);
  const admin = await login(app, 'admin@demo.test');
  const list = await rest(admin, 'GET', '/api/v1/sites/demo/blocks');
  expect(list.json()).toEqual([expect.objectContaining({ visitorId: s.visitorId, by: expect.any(String) })]);
  expect((await rest(admin, 'DELETE', `/api/v1/sites/demo/visitors/${s.visitorId}/block`)).statusCode).toBe(
    204,
  );
  expect((await rest(admin, 'DELETE', `/api/v1/sites/demo/visitors/${s.visitorId}/block`)).statusCode).toBe(
    404,
  );

  // Unblocked: the same visitor is back, with their conversation.
  const back = await visitorSession(app, { site: 'demo', token: s.token });
  expect(back.visitorId).toBe(s.visitorId);
  const tab3 = pool.add(await Client.ready(host, '/ws/visitor', back.token));
  tab3.send({ type: 'send', cid: 'v-2', text: 'sorry' });
  expect((await tab3.type('ack', (f) => f.cid === 'v-2')).conversationId).toBe(convId);
});

it('unknown and bad input: another site’s visitor is 404, a 501-char reason is 400, no token is 401', async () => {
  const admin = await login(app, 'admin@demo.test');
  const s = await visitorSession(app);
  expect((await rest(admin, 'POST', '/api/v1/sites/demo/visitors/v_nobody/block', {})).statusCode).toBe(404);
  await app.storage.createSite(
    {
      id: 'other',
      name: 'Other',
      secret: 'other-secret',
      allowedOrigins: [ORIGIN],
      departments: [],
      color: '#000',
      title: 't',
      greeting: 'g',
      createdAt: Date.now(),
    },
    [],
  );
  const foreign = await visitorSession(app, { site: 'other' });
  expect(
    (await rest(admin, 'POST', `/api/v1/sites/demo/visitors/${foreign.visitorId}/block`, {})).statusCode,
  ).toBe(404);
  expect(await app.storage.getBlock(foreign.visitorId)).toBeNull();
  const long = await rest(admin, 'POST', `/api/v1/sites/demo/visitors/${s.visitorId}/block`, {
    reason: 'x'.repeat(501),
  });
  expect(long.statusCode).toBe(400);
  expect(long.json()).toMatchObject({ code: 'SB_ERR_VALIDATION' });
  const anon = await app.inject({
    method: 'POST',
    url: `/api/v1/sites/demo/visitors/${s.visitorId}/block`,
    payload: {},
  });
  expect(anon.statusCode).toBe(401);
  // The visitor was never blocked by any of these.
  expect(await app.storage.getBlock(s.visitorId)).toBeNull();
});
