import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityHash } from '../src/http/auth.js';
import { metricsAccess } from '../src/http/metrics.js';
import { login, ORIGIN, testApp } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ app, dispose } = await testApp());
});
afterEach(async () => {
  await dispose();
});

function session(payload: unknown, origin: string | null = ORIGIN) {
  return app.inject({
    method: 'POST',
    url: '/api/visitor/session',
    headers: origin ? { origin } : {},
    payload: payload as Record<string, unknown>,
  });
}

describe('agent sign-in', () => {
  it('returns a token and the agent; /api/me and /api/agents accept it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'ana@demo.test', password: 'demo1234' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.agent).toMatchObject({
      email: 'ana@demo.test',
      name: 'Ana Silva',
      role: 'agent',
      siteId: 'demo',
    });
    const me = await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.json()).toMatchObject({ name: 'Ana Silva' });
    const agents = await app.inject({
      url: '/api/agents',
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(
      agents
        .json()
        .map((a: { name: string }) => a.name)
        .sort(),
    ).toEqual(['Admin', 'Ana Silva', 'Ben Okafor']);
  });

  it('wrong password and unknown email → 401 SB_ERR_BAD_CREDENTIALS', async () => {
    for (const payload of [
      { email: 'ana@demo.test', password: 'wrong' },
      { email: 'nobody@demo.test', password: 'demo1234' },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        code: 'SB_ERR_BAD_CREDENTIALS',
        message: expect.any(String),
        statusCode: 401,
      });
    }
  });

  it('a missing field → 400 SB_ERR_VALIDATION; no token → 401 on /api/me', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'ana@demo.test' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('SB_ERR_VALIDATION');
    const me = await app.inject({ url: '/api/me' });
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe('SB_ERR_UNAUTHORIZED');
    const forged = await app.inject({ url: '/api/me', headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(forged.statusCode).toBe(401);
  });

  it('a body over the limit → 413 SB_ERR_TOO_LARGE', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a@b.c', password: 'x'.repeat(70 * 1024) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('SB_ERR_TOO_LARGE');
  });

  it('login is rate limited', async () => {
    const limited = await testApp({ limits: { loginPerMinute: 2 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'ana@demo.test', password: 'nope' },
        });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([401, 401, 429]);
    } finally {
      await limited.dispose();
    }
  });
});

describe('visitor session', () => {
  it('anonymous: a token and site config; the same token continues the same visitor', async () => {
    const a = await session({ site: 'demo' });
    expect(a.statusCode).toBe(200);
    const first = a.json();
    expect(first).toMatchObject({
      verified: false,
      site: { id: 'demo', departments: ['Sales', 'Support', 'Billing'] },
    });
    expect(a.headers['access-control-allow-origin']).toBe(ORIGIN);
    const b = (await session({ site: 'demo', token: first.token })).json();
    expect(b.visitorId).toBe(first.visitorId);
    const c = (await session({ site: 'demo', token: 'garbage' })).json();
    expect(c.visitorId).not.toBe(first.visitorId);
  });

  it('unknown site → 404 SB_ERR_UNKNOWN_SITE', async () => {
    const res = await session({ site: 'nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('SB_ERR_UNKNOWN_SITE');
  });

  it('an origin not allowed for the site (or none) → 403 SB_ERR_ORIGIN_NOT_ALLOWED', async () => {
    for (const origin of ['http://evil.test', null]) {
      const res = await session({ site: 'demo' }, origin);
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('SB_ERR_ORIGIN_NOT_ALLOWED');
    }
  });

  it('a valid identity hash → verified, the same visitor from any device', async () => {
    const site = await app.storage.getSite('demo');
    const hash = identityHash('user-42', site?.secret ?? '');
    const one = (await session({ site: 'demo', user: { id: 'user-42', name: 'Jo', hash } })).json();
    const two = (await session({ site: 'demo', user: { id: 'user-42', hash } })).json();
    expect(one.verified).toBe(true);
    expect(two.visitorId).toBe(one.visitorId);
    expect((await app.storage.getVisitor(one.visitorId))?.name).toBe('Jo');
  });

  it('an anonymous visitor who signs in keeps their visitor id', async () => {
    const site = await app.storage.getSite('demo');
    const anon = (await session({ site: 'demo' })).json();
    const hash = identityHash('user-7', site?.secret ?? '');
    const signed = (await session({ site: 'demo', token: anon.token, user: { id: 'user-7', hash } })).json();
    expect(signed).toMatchObject({ visitorId: anon.visitorId, verified: true });
  });

  it('a wrong hash is never trusted: anonymous, not the real user', async () => {
    const site = await app.storage.getSite('demo');
    const real = (
      await session({
        site: 'demo',
        user: { id: 'user-9', hash: identityHash('user-9', site?.secret ?? '') },
      })
    ).json();
    const fake = (await session({ site: 'demo', user: { id: 'user-9', hash: 'ab'.repeat(32) } })).json();
    expect(fake.verified).toBe(false);
    expect(fake.visitorId).not.toBe(real.visitorId);
    // …and a verified visitor's token without the hash does not continue as that user either.
    const noHash = (await session({ site: 'demo', token: real.token })).json();
    expect(noHash.visitorId).not.toBe(real.visitorId);
  });

  it('answers CORS preflight', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/visitor/session',
      headers: { origin: ORIGIN },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });
});

describe('site config, notify, health, static', () => {
  it('GET /api/sites/:site/config', async () => {
    const res = await app.inject({ url: '/api/sites/demo/config' });
    expect(res.json()).toMatchObject({ id: 'demo', name: 'Demo Shop', agentsOnline: false });
    expect((await app.inject({ url: '/api/sites/zzz/config' })).json().code).toBe('SB_ERR_UNKNOWN_SITE');
  });

  it('notify: wrong or missing secret → 401; right secret stores a notice in a (closed) conversation', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/sites/demo/notify',
      headers: { authorization: 'Bearer wrong' },
      payload: { userId: 'u1', text: 'Your order has shipped' },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('SB_ERR_UNAUTHORIZED');
    const none = await app.inject({
      method: 'POST',
      url: '/api/sites/demo/notify',
      payload: { userId: 'u1', text: 'x' },
    });
    expect(none.statusCode).toBe(401);
    const site = await app.storage.getSite('demo');
    const ok = await app.inject({
      method: 'POST',
      url: '/api/sites/demo/notify',
      headers: { authorization: `Bearer ${site?.secret}` },
      payload: { userId: 'u1', text: 'Your order has shipped' },
    });
    expect(ok.statusCode).toBe(200);
    const body = ok.json();
    expect(body).toMatchObject({ delivered: false, seq: 1 });
    const conv = await app.storage.getConversation(body.conversationId);
    expect(conv?.status).toBe('closed');
    const [m] = await app.storage.messagesSince(body.conversationId, 0);
    expect(m).toMatchObject({
      text: 'Your order has shipped',
      author: { kind: 'system' },
      event: { kind: 'notice' },
    });
    // The user later signs in with the widget: same visitor, sees the notice.
    const hash = identityHash('u1', site?.secret ?? '');
    const s = (await session({ site: 'demo', user: { id: 'u1', hash } })).json();
    expect(s.visitorId).toBe(conv?.visitorId);
  });

  it('healthz, readyz, metrics', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ ok: true, db: 'ok', bus: 'ok' });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('switchboard_live_sockets');
    expect(metrics.body).toContain('switchboard_messages_committed_total');
    // Without METRICS_TOKEN: this machine only — not another address, not relayed by a local proxy.
    expect((await app.inject({ url: '/metrics', remoteAddress: '203.0.113.9' })).statusCode).toBe(403);
    const relayed = await app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect([relayed.statusCode, relayed.json().message]).toEqual([
      403,
      '/metrics answers this machine only; set METRICS_TOKEN to read it from elsewhere',
    ]);
  });

  it.each([
    ['a token, sent', 'm-secret', 'Bearer m-secret', '203.0.113.9', false, 'ok'],
    ['a token, a wrong one', 'm-secret', 'Bearer nope', '127.0.0.1', false, 'unauthorized'],
    ['a token, none sent (even from loopback)', 'm-secret', undefined, '127.0.0.1', false, 'unauthorized'],
    ['no token, loopback', null, undefined, '127.0.0.1', false, 'ok'],
    ['no token, IPv6 loopback', null, undefined, '::1', false, 'ok'],
    ['no token, a local proxy relaying', null, undefined, '127.0.0.1', true, 'forbidden'],
    ['no token, another address', null, undefined, '10.0.0.8', false, 'forbidden'],
  ] as const)('/metrics with %s: %s', (_what, token, authorization, peer, forwarded, expected) => {
    expect(metricsAccess(token, { peer, authorization, forwarded })).toBe(expected);
  });

  it('serves the demo pages, the strict CSP header, redirects / and 404s unknown routes with a code', async () => {
    const root = await app.inject({ url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/demo');
    const demo = await app.inject({ url: '/demo' });
    expect(demo.statusCode).toBe(200);
    expect(demo.body).toContain('/widget.js');
    const strict = await app.inject({ url: '/demo/strict' });
    expect(strict.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await app.inject({ url: '/demo/../../package.json' })).statusCode).toBe(404);
    const nf = await app.inject({ url: '/nope?token=secret' });
    expect(nf.json()).toEqual({ code: 'SB_ERR_NOT_FOUND', message: 'No route GET /nope', statusCode: 404 });
  });

  it('answers 503 "run npm run build" when the widget or console are not built', async () => {
    const other = await testApp({}, { paths: { widgetDist: '/nonexistent', consoleDist: '/nonexistent' } });
    try {
      const w = await other.app.inject({ url: '/widget.js' });
      expect(w.statusCode).toBe(503);
      expect(w.json().message).toContain('npm run build');
      expect((await other.app.inject({ url: '/console/' })).statusCode).toBe(503);
    } finally {
      await other.dispose();
    }
  });

  it('serves the widget strings of every locale but English; no panel files any more', async () => {
    const { WIDGET_TABLES } = await import('@switchboard/protocol');
    for (const locale of ['es', 'de', 'fr', 'hi', 'ar']) {
      const res = await app.inject({ url: `/api/widget/strings/${locale}` });
      expect(res.statusCode, locale).toBe(200);
      expect(res.json()).toEqual({ locale, strings: WIDGET_TABLES[locale] });
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cache-control']).toContain('max-age');
    }
    for (const url of [
      '/api/widget/strings/pt',
      '/api/widget/strings/constructor',
      '/api/widget/strings/__proto__',
      '/widget-panel.en.js',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code, url).toBe('SB_ERR_NOT_FOUND');
    }
  });

  it('serves the console SPA: files, immutable assets, index.html fallback, 404 for missing assets', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dist = join(app.config.dataDir, 'console-dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'app-123.js'), 'console.log(1)');
    const other = await testApp({}, { paths: { consoleDist: dist } });
    try {
      expect((await other.app.inject({ url: '/console' })).headers.location).toBe('/console/');
      // The setup and invitation links keep their token through the redirect.
      expect((await other.app.inject({ url: '/console?invite=abc&x=1' })).headers.location).toBe(
        '/console/?invite=abc&x=1',
      );
      const page = await other.app.inject({ url: '/console/' });
      expect(page.body).toContain('<title>console</title>');
      // Its own code only, never framed, never sniffed.
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect((await other.app.inject({ url: '/console/conversations/c_1' })).body).toContain('console');
      const asset = await other.app.inject({ url: '/console/assets/app-123.js' });
      expect(asset.headers['cache-control']).toContain('immutable');
      expect(asset.headers['x-content-type-options']).toBe('nosniff');
      expect((await other.app.inject({ url: '/console/assets/missing.js' })).statusCode).toBe(404);
    } finally {
      await other.dispose();
    }
  });

  it('keeps the JWT secret across restarts (tokens stay valid)', async () => {
    const token = await login(app, 'ben@demo.test');
    const { dir } = { dir: app.config.dataDir };
    await app.close();
    const again = await testApp({}, {}, dir);
    try {
      const me = await again.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
      expect(me.statusCode).toBe(200);
    } finally {
      await again.app.close();
    }
  });
});
