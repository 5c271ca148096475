/**
 * The administration API (docs/admin.md) against a real app on SQLite: who may call what,
 * validation, invitations, deactivation and password changes reaching live sockets, secret
 * rotation with its grace period, first-run setup, several sites per account.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  ClientPool,
  listen,
  login,
  ORIGIN,
  otherSiteAdmin,
  testApp,
  visitorSession,
  waitUntil,
} from './helpers.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

let app: FastifyInstance;
let dispose: () => Promise<void>;
const pool = new ClientPool();

async function call(method: Method, url: string, token: string | null, payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> & { message?: string } };
}

async function agentId(email: string): Promise<string> {
  const a = await app.storage.getAccountByEmail(email);
  if (!a) throw new Error(`no account ${email}`);
  return a.id;
}

/** A second site with its own admin (made through the service, as the CLI does). */
const otherSite = () => otherSiteAdmin(app);

beforeEach(async () => {
  ({ app, dispose } = await testApp({ adminPollMs: 50 }));
});

afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

describe('who may call each admin route', () => {
  it('no token → 401, an agent of the site → 403, its admin → 2xx, an admin of another site → 403', async () => {
    const tokens = {
      none: null,
      agent: await login(app, 'ana@demo.test'),
      admin: await login(app, 'admin@demo.test'),
      otherAdmin: await otherSite(),
    };
    const ben = await agentId('ben@demo.test');
    let n = 0;
    const routes: Array<{
      method: Method;
      url: string;
      body?: () => unknown;
      expect: Record<keyof typeof tokens, number>;
    }> = [
      {
        method: 'GET',
        url: '/api/admin/sites/demo',
        expect: { none: 401, agent: 403, admin: 200, otherAdmin: 403 },
      },
      {
        method: 'PATCH',
        url: '/api/admin/sites/demo',
        body: () => ({ title: `Title ${n++}` }),
        expect: { none: 401, agent: 403, admin: 200, otherAdmin: 403 },
      },
      {
        method: 'POST',
        url: '/api/admin/sites/demo/secret',
        expect: { none: 401, agent: 403, admin: 200, otherAdmin: 403 },
      },
      {
        method: 'GET',
        url: '/api/admin/sites/demo/agents',
        expect: { none: 401, agent: 403, admin: 200, otherAdmin: 403 },
      },
      {
        method: 'POST',
        url: '/api/admin/sites/demo/agents',
        body: () => ({ email: `new${n++}@demo.test`, name: 'New', role: 'agent' }),
        expect: { none: 401, agent: 403, admin: 200, otherAdmin: 403 },
      },
      {
        method: 'PATCH',
        url: `/api/admin/sites/demo/agents/${ben}`,
        body: () => ({ maxChats: 2 + n++ }),
        expect: { none: 401, agent: 403, admin: 200, otherAdmin: 403 },
      },
      {
        method: 'PUT',
        url: '/api/sites/demo/settings',
        body: () => ({ greeting: `Hello ${n++}` }),
        expect: { none: 401, agent: 403, admin: 200, otherAdmin: 403 },
      },
      { method: 'GET', url: '/api/me', expect: { none: 401, agent: 200, admin: 200, otherAdmin: 200 } },
      {
        method: 'POST',
        url: '/api/auth/site',
        body: () => ({ site: 'demo' }),
        expect: { none: 401, agent: 200, admin: 200, otherAdmin: 403 },
      },
    ];
    const got: string[] = [];
    const want: string[] = [];
    for (const r of routes) {
      for (const [who, token] of Object.entries(tokens) as [keyof typeof tokens, string | null][]) {
        const res = await call(r.method, r.url, token, r.body?.());
        got.push(`${r.method} ${r.url} as ${who}: ${res.status}`);
        want.push(`${r.method} ${r.url} as ${who}: ${r.expect[who]}`);
      }
    }
    expect(got).toEqual(want);
    // Of the PATCHes only the admin's (the third of the four tries) changed the title.
    expect((await app.storage.getSite('demo'))?.title).toBe('Title 2');
    expect((await app.storage.getSite('other'))?.title).toBe('Chat with us');
  });
});

describe('validation', () => {
  it('an unknown field is a 400 naming it, and nothing changes', async () => {
    const admin = await login(app, 'admin@demo.test');
    const before = await app.storage.getSite('demo');
    const settings = await call('PUT', '/api/sites/demo/settings', admin, {
      title: 'Changed',
      bussinessHours: null,
    });
    expect(settings.status).toBe(400);
    expect(settings.body.code).toBe('SB_ERR_VALIDATION');
    expect(settings.body.message).toContain('bussinessHours');
    const patch = await call('PATCH', '/api/admin/sites/demo', admin, { name: 'Changed', colour: '#fff' });
    expect(patch.status).toBe(400);
    expect(patch.body.message).toContain('colour');
    const agent = await call('POST', '/api/admin/sites/demo/agents', admin, {
      email: 'x@demo.test',
      name: 'X',
      role: 'agent',
      admin: true,
    });
    expect(agent.status).toBe(400);
    expect(agent.body.message).toContain('admin');
    expect(await app.storage.getSite('demo')).toEqual(before);
    expect(await app.storage.getAccountByEmail('x@demo.test')).toBeNull();
  });

  it('origins are validated (wildcard ports for localhost only); a new origin is accepted at once', async () => {
    const admin = await login(app, 'admin@demo.test');
    for (const bad of ['https://shop.example:*', 'https://shop.example/path', 'ftp://shop.example', 'shop']) {
      const res = await call('PATCH', '/api/admin/sites/demo', admin, { allowedOrigins: [bad] });
      expect(res.status, bad).toBe(400);
      expect(res.body.message, bad).toContain('allowedOrigins');
    }
    const shop = 'https://shop.example';
    const session = () =>
      app.inject({
        method: 'POST',
        url: '/api/visitor/session',
        headers: { origin: shop },
        payload: { site: 'demo' },
      });
    expect((await session()).statusCode).toBe(403);
    const ok = await call('PATCH', '/api/admin/sites/demo', admin, {
      allowedOrigins: ['HTTPS://Shop.Example/', 'http://localhost:*'],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.allowedOrigins).toEqual([shop, 'http://localhost:*']);
    expect((await session()).statusCode).toBe(200);
  });

  it('a site keeps one active admin; nobody deactivates themselves', async () => {
    const admin = await login(app, 'admin@demo.test');
    const self = await call(
      'PATCH',
      `/api/admin/sites/demo/agents/${await agentId('admin@demo.test')}`,
      admin,
      {
        active: false,
      },
    );
    expect(self.status).toBe(400);
    expect((await app.storage.getAgent(await agentId('admin@demo.test'), 'demo'))?.active).toBe(true);
  });
});

describe('invitations', () => {
  it('a one-time link: the invitee sets a password and signs in; the link then stops working', async () => {
    const admin = await login(app, 'admin@demo.test');
    const created = await call('POST', '/api/admin/sites/demo/agents', admin, {
      email: 'cara@demo.test',
      name: 'Cara',
      role: 'agent',
      maxChats: 4,
    });
    expect(created.status).toBe(200);
    expect(created.body.agent).toMatchObject({
      email: 'cara@demo.test',
      invited: true,
      active: true,
      maxChats: 4,
    });
    const url = new URL(created.body.inviteUrl as string);
    expect(url.pathname).toBe('/console');
    const token = url.searchParams.get('invite') as string;
    // Not before joining: an invited account has no password.
    const early = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'cara@demo.test', password: 'anything-1' },
    });
    expect(early.statusCode).toBe(401);
    const info = await call('GET', `/api/invitations/${token}`, null);
    expect(info.body).toMatchObject({
      email: 'cara@demo.test',
      name: 'Cara',
      site: { id: 'demo', name: 'Demo Shop' },
    });
    const tooShort = await call('POST', `/api/invitations/${token}`, null, {
      name: 'Cara B',
      password: 'short',
    });
    expect(tooShort.status).toBe(400);
    const joined = await call('POST', `/api/invitations/${token}`, null, {
      name: 'Cara B',
      password: 'cara-pass-1',
    });
    expect(joined.status).toBe(200);
    expect(joined.body.agent).toMatchObject({
      email: 'cara@demo.test',
      name: 'Cara B',
      siteId: 'demo',
      role: 'agent',
    });
    expect((await call('GET', '/api/me', joined.body.token as string)).status).toBe(200);
    expect(await login(app, 'cara@demo.test', 'cara-pass-1')).toBeTruthy();
    const again = await call('POST', `/api/invitations/${token}`, null, {
      name: 'X',
      password: 'other-pass-9',
    });
    expect(again.status).toBe(404);
    expect((await call('GET', `/api/invitations/${token}`, null)).status).toBe(404);
    expect(await login(app, 'cara@demo.test', 'cara-pass-1')).toBeTruthy();
  });
});

describe('changes reach live sessions', () => {
  it('deactivation: the socket closes (4403), assigned chats go back to the queue, REST and sign-in refused; reactivation restores', async () => {
    const host = await listen(app);
    const admin = await login(app, 'admin@demo.test');
    const benToken = await login(app, 'ben@demo.test');
    const ben = pool.add(await Client.ready(host, '/ws/agent', benToken));
    const v = await visitorSession(app);
    const visitor = pool.add(await Client.ready(host, '/ws/visitor', v.token));
    visitor.send({ type: 'send', cid: 'c1', text: 'Hello' });
    const queued = await ben.type('conversation', (f) => f.conversation.status === 'queued');
    const conversationId = queued.conversation.id as string;
    ben.send({ type: 'claim', cid: 'k1', conversationId });
    await ben.type('ack', (f) => f.cid === 'k1');
    const res = await call('PATCH', `/api/admin/sites/demo/agents/${await agentId('ben@demo.test')}`, admin, {
      active: false,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: false });
    expect((await ben.closed).code).toBe(4403);
    await waitUntil(async () => (await app.storage.getConversation(conversationId))?.status === 'queued');
    expect((await call('GET', '/api/me', benToken)).status).toBe(401);
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'ben@demo.test', password: 'demo1234' },
    });
    expect(signIn.statusCode).toBe(403);
    await expect(Client.connect(host, '/ws/agent', benToken)).rejects.toThrow('HTTP 401');
    const back = await call(
      'PATCH',
      `/api/admin/sites/demo/agents/${await agentId('ben@demo.test')}`,
      admin,
      {
        active: true,
      },
    );
    expect(back.status).toBe(200);
    expect((await call('GET', '/api/me', benToken)).status).toBe(200);
  });

  it('a password change needs the old password, signs every other session out, and the new token works', async () => {
    const host = await listen(app);
    const first = await login(app, 'ana@demo.test');
    const second = await login(app, 'ana@demo.test');
    const socket = pool.add(await Client.ready(host, '/ws/agent', first));
    const wrong = await call('POST', '/api/me/password', second, {
      oldPassword: 'nope-nope',
      newPassword: 'new-pass-12',
    });
    expect(wrong.status).toBe(403);
    const ok = await call('POST', '/api/me/password', second, {
      oldPassword: 'demo1234',
      newPassword: 'new-pass-12',
    });
    expect(ok.status).toBe(200);
    expect((await socket.closed).code).toBe(4401);
    expect((await call('GET', '/api/me', first)).status).toBe(401);
    expect((await call('GET', '/api/me', ok.body.token as string)).status).toBe(200);
    expect(await login(app, 'ana@demo.test', 'new-pass-12')).toBeTruthy();
    const renamed = await call('PATCH', '/api/me', ok.body.token as string, { name: 'Ana S.' });
    expect(renamed.body).toMatchObject({ name: 'Ana S.' });
  });

  it('a rotated secret: the new one verifies, the previous one too until its grace period ends', async () => {
    const admin = await login(app, 'admin@demo.test');
    const oldSecret = (await app.storage.getSite('demo'))?.secret as string;
    const rotated = await call('POST', '/api/admin/sites/demo/secret', admin);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body.previousSecretUntil).toBeGreaterThan(Date.now());
    const notify = (secret: string) =>
      app.inject({
        method: 'POST',
        url: '/api/sites/demo/notify',
        headers: { authorization: `Bearer ${secret}` },
        payload: { userId: 'u-1', text: 'Shipped' },
      });
    expect((await notify(newSecret)).statusCode).toBe(200);
    expect((await notify(oldSecret)).statusCode).toBe(200);
    const hash = createHmac('sha256', oldSecret).update('u-2').digest('hex');
    const session = await app.inject({
      method: 'POST',
      url: '/api/visitor/session',
      headers: { origin: ORIGIN },
      payload: { site: 'demo', user: { id: 'u-2', hash } },
    });
    expect(session.json().verified).toBe(true);
    // Past the grace period only the new secret works.
    await app.storage.rotateSiteSecret('demo', newSecret, Date.now() - 1);
    await app.adminWatcher.now();
    expect((await notify(newSecret)).statusCode).toBe(200);
    expect((await notify(oldSecret)).statusCode).toBe(401);
  });
});

describe('several sites per account', () => {
  it('an agent in two sites picks one at sign-in and switches; each token is scoped to its site and role', async () => {
    await otherSite();
    const boss = await login(app, 'boss@other.test', 'other-pass-1');
    const added = await call('POST', '/api/admin/sites/other/agents', boss, {
      email: 'ANA@demo.test',
      name: 'ignored',
      role: 'admin',
    });
    expect(added.status).toBe(200);
    expect(added.body.inviteUrl).toBeUndefined();
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'ana@demo.test', password: 'demo1234' },
    });
    const body = signIn.json();
    expect(body.sites).toEqual([
      { id: 'demo', name: 'Demo Shop', role: 'agent' },
      { id: 'other', name: 'Other Shop', role: 'admin' },
    ]);
    expect(body.agent).toMatchObject({ siteId: 'demo', role: 'agent' });
    expect((await call('GET', '/api/admin/sites/other/agents', body.token)).status).toBe(403);
    const switched = await call('POST', '/api/auth/site', body.token, { site: 'other' });
    expect(switched.body.agent).toMatchObject({ siteId: 'other', role: 'admin' });
    const list = await call('GET', '/api/admin/sites/other/agents', switched.body.token as string);
    expect((list.body as unknown as { email: string }[]).map((a) => a.email).sort()).toEqual([
      'ana@demo.test',
      'boss@other.test',
    ]);
    expect((await call('GET', '/api/admin/sites/demo/agents', switched.body.token as string)).status).toBe(
      403,
    );
  });
});

describe('first-run setup', () => {
  it('with SEED=0: needs the token, creates the site and its admin once, then answers 409', async () => {
    await dispose();
    ({ app, dispose } = await testApp({ seed: false, setupToken: 'setup-token-1' }));
    expect((await call('GET', '/api/setup?token=wrong', null)).body).toEqual({
      needed: true,
      tokenValid: false,
      demo: false,
      mail: false,
    });
    expect((await call('GET', '/api/setup?token=setup-token-1', null)).body).toEqual({
      needed: true,
      tokenValid: true,
      demo: false,
      mail: false,
    });
    const body = (token: string, id = 'acme') => ({
      token,
      site: { id, name: 'Acme', allowedOrigins: ['http://127.0.0.2:9999'] },
      admin: { name: 'Owner', email: 'owner@acme.test', password: 'owner-pass-1' },
    });
    expect((await call('POST', '/api/setup', null, body('wrong'))).status).toBe(401);
    const [a, b] = await Promise.all([
      call('POST', '/api/setup', null, body('setup-token-1')),
      call('POST', '/api/setup', null, body('setup-token-1', 'acme-two')),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const ok = a.status === 200 ? a : b;
    expect(ok.body.site).toMatchObject({ allowedOrigins: ['http://127.0.0.2:9999'] });
    expect(String((ok.body.site as { snippet: string }).snippet)).toMatch(/data-site="acme(-two)?"/);
    expect(typeof ok.body.secret).toBe('string');
    expect((await call('GET', '/api/me', ok.body.token as string)).body).toMatchObject({ role: 'admin' });
    expect((await app.storage.listSites()).length).toBe(1);
    expect((await call('POST', '/api/setup', null, body('setup-token-1', 'third'))).status).toBe(409);
    expect((await call('GET', '/api/setup?token=setup-token-1', null)).body).toEqual({
      needed: false,
      tokenValid: false,
      demo: false,
      mail: false,
    });
  });

  it('the seeded demo server says so (the sign-in page offers the demo accounts there only)', async () => {
    expect((await call('GET', '/api/setup', null)).body).toEqual({
      needed: false,
      tokenValid: false,
      demo: true,
      mail: false,
    });
  });
});
