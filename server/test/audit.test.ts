/**
 * The audit log: administration actions made in the console (agent token) and by API keys are
 * recorded with who, what, on which record and which fields — never a password, secret or
 * token — newest first and paged; a refused action leaves no entry; only the site's admins and
 * its API keys read it.
 */
import type { ApiAuditPage } from '@switchboard/protocol';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AUDITED, auditDetails, createdId } from '../src/admin/audit.js';
import { login, otherSiteAdmin, testApp, visitorSession } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ app, dispose } = await testApp());
});
afterEach(() => dispose());

const call = (token: string | null, method: HTTPMethods, url: string, payload?: object) =>
  app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload ? { payload } : {}),
  });

async function audit(token: string, query = ''): Promise<ApiAuditPage> {
  const res = await call(token, 'GET', `/api/v1/sites/demo/audit${query}`);
  expect(res.statusCode).toBe(200);
  return res.json() as ApiAuditPage;
}

it('every audited route exists as registered (a renamed route would silently stop being audited)', () => {
  for (const key of Object.keys(AUDITED)) {
    const [method, url] = key.split(' ') as [HTTPMethods, string];
    expect(app.hasRoute({ method, url }), key).toBe(true);
  }
});

it('records console and API-key actions with actor, action, target and fields, secrets removed; refusals leave nothing', async () => {
  const admin = await login(app, 'admin@demo.test');
  const adminId = (await app.storage.getAccountByEmail('admin@demo.test'))?.id;
  expect(await audit(admin)).toEqual({ items: [], nextCursor: null });

  expect((await call(admin, 'PATCH', '/api/admin/sites/demo', { title: 'Talk to us' })).statusCode).toBe(200);
  const invited = await call(admin, 'POST', '/api/admin/sites/demo/agents', {
    email: 'new@demo.test',
    name: 'Newcomer',
    role: 'agent',
    password: 'a-secret-pass-1',
  });
  expect(invited.statusCode).toBe(200);
  const newAgentId = (invited.json() as { agent: { id: string } }).agent.id;
  const keyRes = await call(admin, 'POST', '/api/v1/sites/demo/api-keys', { name: 'ERP' });
  expect(keyRes.statusCode).toBe(200);
  const key = keyRes.json() as { id: string; key: string };

  // The shop's backend, with its key, erases a visitor.
  const s = await visitorSession(app);
  expect((await call(key.key, 'DELETE', `/api/v1/sites/demo/visitors/${s.visitorId}`)).statusCode).toBe(200);

  // Refused: an agent editing the site, a malformed patch. Neither is recorded.
  const ana = await login(app, 'ana@demo.test');
  expect((await call(ana, 'PATCH', '/api/admin/sites/demo', { title: 'Mine now' })).statusCode).toBe(403);
  expect((await call(admin, 'PATCH', '/api/admin/sites/demo', { bussinessHours: 1 })).statusCode).toBe(400);

  const page = await audit(admin);
  expect(page.items.map((e) => [e.action, e.actor.id, e.target])).toEqual([
    ['visitor.deleted', `api:${key.id}`, s.visitorId],
    ['api_key.created', adminId, key.id],
    ['agent.invited', adminId, newAgentId],
    ['site.updated', adminId, 'demo'],
  ]);
  expect(page.items[0]?.actor.name).toBe('ERP');
  expect(page.items[3]?.details).toEqual({ title: 'Talk to us' });
  expect(page.items[2]?.details).toEqual({ email: 'new@demo.test', name: 'Newcomer', role: 'agent' });
  const raw = JSON.stringify(page);
  expect(raw).not.toContain('a-secret-pass-1');
  expect(raw).not.toContain(key.key);

  // Paged, newest first, with a cursor; the API key reads the same log.
  const first = await audit(admin, '?limit=3');
  expect(first.items).toHaveLength(3);
  expect(first.nextCursor).not.toBeNull();
  const rest = await audit(key.key, `?limit=3&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
  expect([...first.items, ...rest.items].map((e) => e.id)).toEqual(page.items.map((e) => e.id));
  expect(rest.nextCursor).toBeNull();
});

it('only the site’s admins and API keys read it; another site sees its own log only', async () => {
  const admin = await login(app, 'admin@demo.test');
  expect((await call(admin, 'PATCH', '/api/admin/sites/demo', { title: 'Hello' })).statusCode).toBe(200);
  const boss = await otherSiteAdmin(app);
  const ana = await login(app, 'ana@demo.test');

  expect((await call(null, 'GET', '/api/v1/sites/demo/audit')).statusCode).toBe(401);
  expect((await call(ana, 'GET', '/api/v1/sites/demo/audit')).statusCode).toBe(403);
  expect((await call(boss, 'GET', '/api/v1/sites/demo/audit')).statusCode).toBe(403);
  expect((await call(admin, 'GET', '/api/v1/sites/demo/audit?cursor=nonsense')).statusCode).toBe(400);
  const own = await call(boss, 'GET', '/api/v1/sites/other/audit');
  expect(own.statusCode).toBe(200);
  expect((own.json() as ApiAuditPage).items).toEqual([]);
  expect((await audit(admin)).items.map((e) => e.action)).toEqual(['site.updated']);
});

it('keeps the fields but never a password, secret, token or hash; reads the id a create answered with', () => {
  expect(
    auditDetails({ name: 'x', password: 'p', newPassword: 'q', secret: 's', tokenHash: 'h', url: 'u' }),
  ).toEqual({ name: 'x', url: 'u' });
  expect(auditDetails('text')).toEqual({});
  expect(auditDetails({ big: 'y'.repeat(5000) })).toEqual({ truncated: expect.any(String) });
  expect(createdId('{"agent":{"id":"ag_1"},"invitation":"t"}')).toBe('ag_1');
  expect(createdId('{"id":"k_1","key":"sb_x"}')).toBe('k_1');
  expect(createdId('not json')).toBeNull();
});
