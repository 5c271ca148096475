/**
 * `/api/v1`: per-site API keys (shown once, hashed, rotated, revoked) and notify v1
 * (an API key or the site secret, idempotent on `id`, by user id or visitor id).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, testApp, visitorRecord, visitorSession } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ app, dispose } = await testApp());
});
afterEach(() => dispose());

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function createKey(admin: string, site = 'demo', name = 'ERP') {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/sites/${site}/api-keys`,
    headers: bearer(admin),
    payload: { name },
  });
  expect(res.statusCode).toBe(200);
  return res.json() as { id: string; key: string; prefix: string; name: string };
}

describe('API keys', () => {
  it('shown once, stored hashed; they authorise their own site only; rotation and revocation stop the old key', async () => {
    const admin = await login(app, 'admin@demo.test');
    const created = await createKey(admin);
    expect(created.key).toMatch(/^sb_/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const stored = await app.storage.getApiKey(created.id);
    expect(stored?.keyHash).not.toContain(created.key);
    const list = await app.inject({
      method: 'GET',
      url: '/api/v1/sites/demo/api-keys',
      headers: bearer(admin),
    });
    expect(list.json()).toEqual([
      { id: created.id, name: 'ERP', prefix: created.prefix, createdAt: expect.any(Number), revokedAt: null },
    ]);
    expect(JSON.stringify(list.json())).not.toContain(created.key);

    const hooks = (key: string, site = 'demo') =>
      app.inject({ method: 'GET', url: `/api/v1/sites/${site}/webhooks`, headers: bearer(key) });
    expect((await hooks(created.key)).statusCode).toBe(200);
    // Another site's routes refuse it.
    await app.admin.createSite({ id: 'other', name: 'Other', allowedOrigins: ['https://other.test'] });
    expect((await hooks(created.key, 'other')).statusCode).toBe(401);
    // A key cannot mint keys; an agent who is not an admin cannot either.
    const byKey = await app.inject({
      method: 'POST',
      url: '/api/v1/sites/demo/api-keys',
      headers: bearer(created.key),
      payload: { name: 'x' },
    });
    expect(byKey.statusCode).toBe(403);
    const agent = await login(app, 'ana@demo.test');
    const byAgent = await app.inject({
      method: 'POST',
      url: '/api/v1/sites/demo/api-keys',
      headers: bearer(agent),
      payload: { name: 'x' },
    });
    expect(byAgent.statusCode).toBe(403);
    expect((await hooks('sb_not-a-real-key')).statusCode).toBe(401);

    const rotated = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/demo/api-keys/${created.id}/rotate`,
      headers: bearer(admin),
    });
    const fresh = rotated.json() as { key: string; id: string };
    expect(fresh.id).toBe(created.id);
    expect(fresh.key).not.toBe(created.key);
    expect((await hooks(created.key)).statusCode).toBe(401);
    expect((await hooks(fresh.key)).statusCode).toBe(200);
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/sites/demo/api-keys/${created.id}`,
      headers: bearer(admin),
    });
    expect(revoked.statusCode).toBe(204);
    expect((await hooks(fresh.key)).statusCode).toBe(401);
    const rotateRevoked = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/demo/api-keys/${created.id}/rotate`,
      headers: bearer(admin),
    });
    expect(rotateRevoked.statusCode).toBe(409);
  });
});

describe('notify v1', () => {
  it('by user id with an API key: stored once per id, with its title and link', async () => {
    const { key } = await createKey(await login(app, 'admin@demo.test'));
    const send = (payload: Record<string, unknown>, token = key) =>
      app.inject({ method: 'POST', url: '/api/v1/sites/demo/notify', headers: bearer(token), payload });
    const body = {
      userId: 'customer-42',
      title: 'Order #1234',
      text: 'Your order has shipped',
      url: 'https://shop.test/o/1234',
      id: 'ship-1234',
    };
    const first = await send(body);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ delivered: false, duplicate: false, seq: 1 });
    const again = await send(body);
    expect(again.json()).toEqual({ ...first.json(), duplicate: true });
    const messages = await app.storage.messagesSince(first.json().conversationId as string, 0);
    expect(messages.map((m) => [m.text, m.event])).toEqual([
      ['Your order has shipped', { kind: 'notice', title: 'Order #1234', url: 'https://shop.test/o/1234' }],
    ]);
    // The site secret works as well; a wrong token does not.
    const secret = (await app.storage.getSite('demo'))?.secret as string;
    expect((await send({ ...body, id: 'ship-2' }, secret)).json()).toMatchObject({
      duplicate: false,
      seq: 2,
    });
    expect((await send({ ...body, id: 'ship-3' }, 'wrong')).statusCode).toBe(401);
  });

  it('by visitor id of the site; refuses a visitor of another site, both ids or none, and unknown fields', async () => {
    const { key } = await createKey(await login(app, 'admin@demo.test'));
    const send = (payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/api/v1/sites/demo/notify', headers: bearer(key), payload });
    const v = await visitorSession(app);
    const ok = await send({ visitorId: v.visitorId, text: 'Hello from the shop', id: 'n-1' });
    expect(ok.statusCode).toBe(200);
    const conv = await app.storage.getConversation(ok.json().conversationId as string);
    expect(conv?.visitorId).toBe(v.visitorId);
    expect((await send({ visitorId: 'v_nope', text: 'x', id: 'n-2' })).statusCode).toBe(404);
    await app.admin.createSite({ id: 'other', name: 'Other', allowedOrigins: ['https://other.test'] });
    await app.storage.createVisitor(visitorRecord('v_other', Date.now(), { siteId: 'other' }));
    expect((await send({ visitorId: 'v_other', text: 'x', id: 'n-2b' })).statusCode).toBe(404);
    expect(await app.storage.listVisitorConversations('v_other', 5)).toEqual([]);
    expect((await send({ visitorId: v.visitorId, userId: 'u', text: 'x', id: 'n-3' })).statusCode).toBe(400);
    expect((await send({ text: 'x', id: 'n-4' })).statusCode).toBe(400);
    const extra = await send({ visitorId: v.visitorId, text: 'x', id: 'n-5', priority: 'high' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toContain('priority');
    expect(
      (await send({ visitorId: v.visitorId, text: 'x', id: 'n-6', url: 'javascript:alert(1)' })).statusCode,
    ).toBe(400);
  });
});

describe('conversations, messages, transcripts, visitors, agents', () => {
  it('pages conversations and messages by cursor; transcripts as JSON and text; scoped to the site', async () => {
    const admin = await login(app, 'admin@demo.test');
    const { key } = await createKey(admin);
    const get = (url: string, token = key) => app.inject({ method: 'GET', url, headers: bearer(token) });
    // Five shoppers, each notified: five closed conversations; one gets four more messages.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/sites/demo/notify',
        headers: bearer(key),
        payload: { userId: `u-${i}`, text: `Hello ${i}`, id: `hello-${i}` },
      });
      ids.push(r.json().conversationId as string);
    }
    for (let n = 0; n < 4; n++) {
      await app.inject({
        method: 'POST',
        url: '/api/v1/sites/demo/notify',
        headers: bearer(key),
        payload: { userId: 'u-0', text: `More ${n}`, id: `more-${n}` },
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 5; guard++) {
      const page = (
        await get(`/api/v1/sites/demo/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...(page.items as { id: string }[]).map((c) => c.id));
      cursor = page.nextCursor as string | null;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await get('/api/v1/sites/demo/conversations?cursor=bad')).statusCode).toBe(400);
    expect((await get('/api/v1/sites/demo/conversations?colour=red')).statusCode).toBe(400);

    const first = ids[0] as string;
    const p1 = (await get(`/api/v1/sites/demo/conversations/${first}/messages?limit=3`)).json();
    expect((p1.items as { seq: number }[]).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(p1.nextAfter).toBe(3);
    const p2 = (await get(`/api/v1/sites/demo/conversations/${first}/messages?after=3&limit=3`)).json();
    expect((p2.items as { text: string }[]).map((m) => m.text)).toEqual(['More 2', 'More 3']);
    expect(p2.nextAfter).toBeNull();

    const json = (await get(`/api/v1/sites/demo/conversations/${first}/transcript`)).json();
    expect(json.visitor).toMatchObject({ externalId: 'u-0', verified: true });
    expect((json.messages as unknown[]).length).toBe(5);
    const text = await get(`/api/v1/sites/demo/conversations/${first}/transcript?format=text`);
    expect(text.headers['content-type']).toContain('text/plain');
    expect(text.headers['content-disposition']).toContain(`transcript-${first}.txt`);
    expect(text.body.split('\n').filter((l) => l.startsWith('['))).toHaveLength(5);
    expect(text.body).toContain('Demo Shop: Hello 0');

    // An agent of the site may read; an admin of another site, or its key, may not.
    expect(
      (await get(`/api/v1/sites/demo/conversations/${first}`, await login(app, 'ana@demo.test'))).statusCode,
    ).toBe(200);
    await app.admin.createSite({ id: 'other', name: 'Other', allowedOrigins: ['https://other.test'] });
    await app.admin.createAgent({
      siteId: 'other',
      email: 'o@other.test',
      name: 'O',
      role: 'admin',
      password: 'other-pass-1',
    });
    const otherAdmin = await login(app, 'o@other.test', 'other-pass-1');
    const otherKey = (await createKey(otherAdmin, 'other')).key;
    expect((await get(`/api/v1/sites/demo/conversations/${first}`, otherAdmin)).statusCode).toBe(403);
    expect((await get(`/api/v1/sites/demo/conversations/${first}`, otherKey)).statusCode).toBe(401);
    // Its own routes do not reach our rows either.
    expect((await get(`/api/v1/sites/other/conversations/${first}`, otherKey)).statusCode).toBe(404);
    expect((await get(`/api/v1/sites/other/visitors/${json.visitor.id}`, otherKey)).statusCode).toBe(404);
    expect((await get(`/api/v1/sites/other/conversations`, otherKey)).json().items).toEqual([]);
    const agents = (await get('/api/v1/sites/demo/agents')).json() as { email: string }[];
    expect(agents.map((a) => a.email).sort()).toEqual(['admin@demo.test', 'ana@demo.test', 'ben@demo.test']);
  });
});

describe('writing through the API', () => {
  it('an API key sends system messages (idempotent on cid), assigns and closes; an agent token replies as the agent', async () => {
    const admin = await login(app, 'admin@demo.test');
    const { key } = await createKey(admin);
    const post = (url: string, payload: Record<string, unknown> | undefined, token = key) =>
      app.inject({ method: 'POST', url, headers: bearer(token), ...(payload ? { payload } : {}) });
    const v = await visitorSession(app);
    const notified = await post('/api/v1/sites/demo/notify', {
      visitorId: v.visitorId,
      text: 'Hello',
      id: 'w-0',
    });
    const id = notified.json().conversationId as string;
    const base = `/api/v1/sites/demo/conversations/${id}`;
    const sent = await post(`${base}/messages`, { text: 'Your parcel is out', cid: 'w-1' });
    expect(sent.json()).toEqual({ conversationId: id, seq: 2 });
    expect((await post(`${base}/messages`, { text: 'Your parcel is out', cid: 'w-1' })).json()).toEqual({
      conversationId: id,
      seq: 2,
    });
    // The closed conversation (a notification) is reopened by nobody: assign needs it queued or assigned.
    const anaId = (await app.storage.getAccountByEmail('ana@demo.test'))?.id as string;
    const benId = (await app.storage.getAccountByEmail('ben@demo.test'))?.id as string;
    await app.storage.transitionConversation(id, {
      expect: { status: 'closed', agentId: null },
      next: { status: 'queued', agentId: null, department: null },
      line: null,
      note: null,
      at: Date.now(),
    });
    const assigned = await post(`${base}/assign`, { agentId: anaId });
    expect(assigned.json()).toMatchObject({ status: 'assigned', agentId: anaId });
    // Ana replies with her own token, as herself.
    const ana = await login(app, 'ana@demo.test');
    const reply = await post(`${base}/messages`, { text: 'Hi, Ana here', cid: 'a-1' }, ana);
    expect(reply.statusCode).toBe(200);
    const last = (await app.storage.messagesSince(id, reply.json().seq - 1, 1))[0];
    expect(last?.author).toMatchObject({ kind: 'agent', id: anaId });
    // Ben is offline: the transfer is refused with the reason.
    const toBen = await post(`${base}/assign`, { agentId: benId });
    expect(toBen.statusCode).toBe(409);
    expect(toBen.json().message).toContain('offline');
    const closed = await post(`${base}/close`, undefined);
    expect(closed.json()).toMatchObject({ id, status: 'closed' });
    expect((await post(`${base}/assign`, { agentId: 'a_nope' })).statusCode).toBe(404);
    // Another site's conversation is not reachable through this site's routes.
    expect((await post('/api/v1/sites/demo/conversations/c_nope/close', undefined)).statusCode).toBe(404);
  });
});
