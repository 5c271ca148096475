/**
 * Console sessions: a 15-minute access token plus a rotating refresh token in an HttpOnly,
 * SameSite=Strict cookie. Each refresh rotates it; a copied (reused) token ends the session;
 * a racing tab is told to retry; sign-out, a password change, a role change and a
 * deactivation end it.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, ClientPool, listen, testApp } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ app, dispose } = await testApp());
});
const pool = new ClientPool();
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

/** The `sb_refresh` cookie a response sets: its value and attributes. */
function refreshCookie(res: LightMyRequestResponse): { value: string; attrs: string[] } {
  const raw = res.headers['set-cookie'];
  const line = (Array.isArray(raw) ? raw : [raw]).find((c) => c?.startsWith('sb_refresh='));
  if (!line) throw new Error(`no sb_refresh cookie in ${JSON.stringify(raw)}`);
  const [pair, ...attrs] = line.split('; ');
  return { value: (pair as string).slice('sb_refresh='.length), attrs };
}

async function signIn(email = 'ana@demo.test', password = 'demo1234') {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  expect(res.statusCode).toBe(200);
  return { token: (res.json() as { token: string }).token, cookie: refreshCookie(res).value, res };
}

const refresh = (cookie: string | null, host = 'localhost') =>
  app.inject({
    method: 'POST',
    url: '/api/auth/refresh',
    headers: { host, ...(cookie === null ? {} : { cookie: `other=1; sb_refresh=${cookie}` }) },
  });

const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as {
    iat: number;
    exp: number;
  };

describe('refresh sessions', () => {
  it('sign-in sets an HttpOnly, SameSite=Strict cookie for /api/auth; the access token lives 15 minutes', async () => {
    const { token, res } = await signIn();
    const { attrs } = refreshCookie(res);
    expect(attrs).toEqual(
      expect.arrayContaining(['Path=/api/auth', 'HttpOnly', 'SameSite=Strict', 'Secure']),
    );
    expect(attrs).toContain(`Max-Age=${14 * 24 * 3600}`);
    const c = claims(token);
    expect(c.exp - c.iat).toBe(15 * 60);
    // Plain http to another host than this machine (a LAN install without TLS): not Secure.
    const lan = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { host: 'support.lan' },
      payload: { email: 'ben@demo.test', password: 'demo1234' },
    });
    expect(refreshCookie(lan).attrs).not.toContain('Secure');
  });

  it('each refresh rotates the token; the one just replaced gets 409 (a racing tab); an older one ends the session', async () => {
    const { cookie: c0 } = await signIn();
    const r1 = await refresh(c0);
    expect(r1.statusCode).toBe(200);
    const body = r1.json() as { token: string; agent: { id: string }; sites: unknown[] };
    expect(body.agent.id).toBeTruthy();
    expect(body.sites.length).toBeGreaterThan(0);
    const me = await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.statusCode).toBe(200);
    const c1 = refreshCookie(r1).value;
    expect(c1).not.toBe(c0);
    // Another tab sent the same cookie at the same moment: retry (its jar has c1 by now).
    expect((await refresh(c0)).statusCode).toBe(409);
    const c2 = refreshCookie(await refresh(c1)).value;
    // c0 again, two rotations later: it was copied. The session ends, for c2 too.
    const stolen = await refresh(c0);
    expect(stolen.statusCode).toBe(401);
    expect(refreshCookie(stolen).attrs).toContain('Max-Age=0');
    expect((await refresh(c2)).statusCode).toBe(401);
  });

  it('no cookie, a forged one, and a signed-out session get 401', async () => {
    expect((await refresh(null)).statusCode).toBe(401);
    expect((await refresh('rs_nope.forged')).statusCode).toBe(401);
    const { cookie } = await signIn();
    const out = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: `sb_refresh=${cookie}` },
    });
    expect(out.statusCode).toBe(204);
    expect(refreshCookie(out).attrs).toContain('Max-Age=0');
    expect((await refresh(cookie)).statusCode).toBe(401);
  });

  it('a password change, a role change and a deactivation end the session at its next refresh', async () => {
    const admin = await signIn('admin@demo.test');
    const auth = { authorization: `Bearer ${admin.token}` };
    const ana = await signIn('ana@demo.test');
    const ben = await signIn('ben@demo.test');
    const benPassword = await signIn('ben@demo.test');
    const id = async (email: string) => (await app.storage.getAccountByEmail(email))?.id as string;

    const role = await app.inject({
      method: 'PATCH',
      url: `/api/admin/sites/demo/agents/${await id('ana@demo.test')}`,
      headers: auth,
      payload: { role: 'admin' },
    });
    expect(role.statusCode).toBe(200);
    expect((await refresh(ana.cookie)).statusCode).toBe(401);

    const changed = await app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: { authorization: `Bearer ${benPassword.token}`, cookie: `sb_refresh=${benPassword.cookie}` },
      payload: { oldPassword: 'demo1234', newPassword: 'a-new-password-1' },
    });
    expect(changed.statusCode).toBe(200);
    // Every other session of the account ends; the one that changed it gets a new cookie.
    expect((await refresh(ben.cookie)).statusCode).toBe(401);
    expect((await refresh(refreshCookie(changed).value)).statusCode).toBe(200);

    const ben2 = await signIn('ben@demo.test', 'a-new-password-1');
    const deactivated = await app.inject({
      method: 'PATCH',
      url: `/api/admin/sites/demo/agents/${await id('ben@demo.test')}`,
      headers: auth,
      payload: { active: false },
    });
    expect(deactivated.statusCode).toBe(200);
    expect((await refresh(ben2.cookie)).statusCode).toBe(401);
  });

  it('signing out closes the sockets of that session (4401) and only those', async () => {
    const host = await listen(app);
    const a = await signIn('ana@demo.test');
    const b = await signIn('ana@demo.test'); // another browser of Ana's
    const first = pool.add(await Client.ready(host, '/ws/agent', a.token));
    const second = pool.add(await Client.ready(host, '/ws/agent', b.token));
    const closed = first.closed;
    const out = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: `sb_refresh=${a.cookie}` },
    });
    expect(out.statusCode).toBe(204);
    expect((await closed).code).toBe(4401);
    // Its access token stops at once (REST and a new socket), long before its 15 minutes.
    const me = (token: string) =>
      app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me(a.token)).statusCode).toBe(401);
    await expect(Client.connect(host, '/ws/agent', a.token)).rejects.toThrow('HTTP 401');
    expect((await me(b.token)).statusCode).toBe(200);
    // The other session's socket stays and works.
    second.send({ type: 'ping' });
    await second.type('pong');
    expect((await refresh(b.cookie)).statusCode).toBe(200);
  });
});
