/** `GET /api/v1/sites/:site/reports`: the storage's figures over a range, for admins and API keys. */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client, ClientPool, listen, login, testApp, visitorSession } from './helpers.js';

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

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

it('a rated, closed chat shows in the report; agents are refused, a bad range is a 400 naming the field', async () => {
  const start = Date.now() - 1;
  const anaToken = await login(app, 'ana@demo.test');
  const ana = pool.add(await Client.ready(host, '/ws/agent', anaToken));
  const s = await visitorSession(app);
  const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  v.send({ type: 'send', cid: 'v-1', text: 'Hello' });
  const convId = (await v.type('ack', (f) => f.cid === 'v-1')).conversationId as string;
  ana.send({ type: 'claim', cid: 'c-1', conversationId: convId });
  await ana.type('ack', (f) => f.cid === 'c-1');
  ana.send({ type: 'send', cid: 'a-1', conversationId: convId, text: 'Hi!' });
  await ana.type('ack', (f) => f.cid === 'a-1');
  ana.send({ type: 'close', cid: 'c-2', conversationId: convId });
  await v.type('conversation', (f) => f.conversation.status === 'closed');
  v.send({ type: 'rate', cid: 'r-1', conversationId: convId, score: 5 });
  await v.type('ack', (f) => f.cid === 'r-1');

  const admin = await login(app, 'admin@demo.test');
  const to = Date.now() + 1;
  const res = await app.inject({
    url: `/api/v1/sites/demo/reports?from=${start}&to=${to}`,
    headers: bearer(admin),
  });
  expect(res.statusCode).toBe(200);
  const r = res.json();
  expect(r).toMatchObject({
    site: 'demo',
    from: start,
    to,
    conversations: 1,
    closed: 1,
    csat: { count: 1, average: 5, distribution: [0, 0, 0, 0, 1] },
  });
  expect(r.firstResponseMs).toBeGreaterThanOrEqual(0);
  expect(r.waitMs).toBeGreaterThanOrEqual(0);
  expect(r.handleMs).toBeGreaterThanOrEqual(r.firstResponseMs);
  const anaId = (await app.storage.getAccountByEmail('ana@demo.test'))?.id;
  const byBen = await app.inject({
    url: `/api/v1/sites/demo/reports?from=${start}&to=${to}&agentId=${(await app.storage.getAccountByEmail('ben@demo.test'))?.id}`,
    headers: bearer(admin),
  });
  expect(byBen.json()).toMatchObject({ conversations: 0, csat: { count: 0, average: null } });
  const byAna = await app.inject({
    url: `/api/v1/sites/demo/reports?from=${start}&to=${to}&agentId=${anaId}`,
    headers: bearer(admin),
  });
  expect(byAna.json()).toMatchObject({ conversations: 1, csat: { count: 1 } });

  const key = await app.inject({
    method: 'POST',
    url: '/api/v1/sites/demo/api-keys',
    headers: bearer(admin),
    payload: { name: 'BI' },
  });
  const byKey = await app.inject({ url: '/api/v1/sites/demo/reports', headers: bearer(key.json().key) });
  expect(byKey.statusCode).toBe(200);
  expect(byKey.json().conversations).toBeGreaterThanOrEqual(1);

  expect(
    (await app.inject({ url: '/api/v1/sites/demo/reports', headers: bearer(anaToken) })).statusCode,
  ).toBe(403);
  const backwards = await app.inject({
    url: `/api/v1/sites/demo/reports?from=${to}&to=${start}`,
    headers: bearer(admin),
  });
  expect(backwards.statusCode).toBe(400);
  expect(backwards.json().message).toContain('querystring.from');
  const junk = await app.inject({ url: '/api/v1/sites/demo/reports?from=yesterday', headers: bearer(admin) });
  expect(junk.statusCode).toBe(400);
  expect(JSON.stringify(junk.json())).toContain('from');
});
