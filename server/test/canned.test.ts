/**
 * Canned responses over HTTP: who may list, create, edit and delete which; validation with
 * clear errors; one shortcut per owner; a personal one wins over the site's for its agent;
 * another site's or another agent's ids are not found.
 */
import type { ApiCanned } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CannedRecord } from '../src/storage/types.js';
import { login, testApp } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let admin: string;
let ana: string;
let ben: string;
let apiKey: string;
let seeded: CannedRecord[];

beforeAll(async () => {
  ({ app, dispose } = await testApp());
  admin = await login(app, 'admin@demo.test');
  ana = await login(app, 'ana@demo.test');
  ben = await login(app, 'ben@demo.test');
  const made = await app.inject({
    method: 'POST',
    url: '/api/v1/sites/demo/api-keys',
    headers: { authorization: `Bearer ${admin}` },
    payload: { name: 'Helpdesk sync' },
  });
  apiKey = (made.json() as { key: string }).key;
  seeded = await app.storage.listCanned('demo', null);
  // The cases below start from none.
  for (const c of seeded) await app.storage.deleteCanned(c.id);
});
afterAll(() => dispose());

const call = (token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path = '', payload?: object) =>
  app.inject({
    method,
    url: `/api/v1/sites/demo/canned${path}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

const shortcuts = async (token: string, query = '') =>
  ((await call(token, 'GET', query)).json() as ApiCanned[]).map(
    (c) => `${c.shortcut}:${c.agentId ? 'own' : 'site'}`,
  );

describe('canned responses API', () => {
  it('the demo seeds site-wide ones, /hi with placeholders among them', () => {
    const hi = seeded.find((c) => c.shortcut === 'hi');
    expect(hi?.agentId).toBeNull();
    expect(hi?.text).toContain('{visitor.name}');
    expect(hi?.text).toContain('{agent.name}');
    expect(seeded.length).toBeGreaterThanOrEqual(3);
  });

  let siteHi: ApiCanned;
  let anaHi: ApiCanned;

  it('admins and API keys create site-wide ones; agents may not', async () => {
    const a = await call(admin, 'POST', '', {
      shortcut: 'hi',
      text: 'Hi {visitor.name}, I am {agent.name}.',
    });
    expect(a.statusCode).toBe(200);
    siteHi = a.json() as ApiCanned;
    expect(siteHi).toMatchObject({ shortcut: 'hi', agentId: null, site: 'demo' });
    const k = await call(apiKey, 'POST', '', { shortcut: 'returns', text: '30 days, no questions asked.' });
    expect(k.statusCode).toBe(200);
    const refused = await call(ana, 'POST', '', { shortcut: 'sneaky', text: 'x' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'SB_ERR_FORBIDDEN' });
    expect(await shortcuts(ana)).toEqual(['hi:site', 'returns:site']);
  });

  it('an agent keeps personal ones: theirs win on a shared shortcut, nobody else sees them', async () => {
    const r = await call(ana, 'POST', '', { shortcut: 'hi', text: 'Hey! Ana here.', personal: true });
    expect(r.statusCode).toBe(200);
    anaHi = r.json() as ApiCanned;
    expect(anaHi.agentId).not.toBeNull();
    expect(await shortcuts(ana)).toEqual(['hi:own', 'returns:site']);
    expect(await shortcuts(ben)).toEqual(['hi:site', 'returns:site']);
    expect(await shortcuts(apiKey)).toEqual(['hi:site', 'returns:site']);
    // To manage them, one kind at a time: the site's "hi" is still there for Ana's admin screen.
    expect(await shortcuts(ana, '?scope=site')).toEqual(['hi:site', 'returns:site']);
    expect(await shortcuts(ana, '?scope=personal')).toEqual(['hi:own']);
    expect(await shortcuts(apiKey, '?scope=personal')).toEqual([]);
    expect((await call(ana, 'GET', '?scope=everything')).statusCode).toBe(400);
    // An API key has no agent to own a personal one.
    const keyPersonal = await call(apiKey, 'POST', '', { shortcut: 'mine', text: 'x', personal: true });
    expect(keyPersonal.statusCode).toBe(400);
  });

  it('one shortcut per owner: 409 with the shortcut named', async () => {
    const dup = await call(admin, 'POST', '', { shortcut: 'hi', text: 'again' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'SB_ERR_CONFLICT' });
    expect(JSON.stringify(dup.json())).toContain('/hi');
    const rename = await call(admin, 'PUT', `/${siteHi.id}`, { shortcut: 'returns' });
    expect(rename.statusCode).toBe(409);
  });

  it.each([
    ['a shortcut with capitals and a space', { shortcut: 'Hi There', text: 'x' }, 'shortcut'],
    ['an empty shortcut', { shortcut: '', text: 'x' }, 'shortcut'],
    ['a 33-character shortcut', { shortcut: 'a'.repeat(33), text: 'x' }, 'shortcut'],
    ['an empty text', { shortcut: 'ok', text: '' }, 'text'],
    ['a 2001-character text', { shortcut: 'ok', text: 'x'.repeat(2001) }, 'text'],
    ['an unknown field', { shortcut: 'ok', text: 'x', colour: 'red' }, 'colour'],
    ['a string for personal', { shortcut: 'ok', text: 'x', personal: 'yes' }, 'personal'],
  ])('refuses %s with a 400 naming the field', async (_what, payload, field) => {
    const r = await call(admin, 'POST', '', payload);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'SB_ERR_VALIDATION' });
    expect(JSON.stringify(r.json())).toContain(field);
  });

  it('stores text as written (the console renders it as text, never HTML)', async () => {
    const text = '<img src=x onerror=alert(1)> {visitor.name}';
    const r = await call(admin, 'POST', '', { shortcut: 'xss', text });
    expect((r.json() as ApiCanned).text).toBe(text);
    expect((await call(admin, 'DELETE', `/${(r.json() as ApiCanned).id}`)).statusCode).toBe(204);
  });

  it('edits and deletes: the owner only; another agent gets 404 for a personal one, 403 for a site one', async () => {
    expect((await call(ben, 'PUT', `/${anaHi.id}`, { text: 'hijacked' })).statusCode).toBe(404);
    expect((await call(admin, 'DELETE', `/${anaHi.id}`)).statusCode).toBe(404);
    expect((await call(ben, 'PUT', `/${siteHi.id}`, { text: 'hijacked' })).statusCode).toBe(403);
    expect((await call(ana, 'DELETE', `/${siteHi.id}`)).statusCode).toBe(403);
    const own = await call(ana, 'PUT', `/${anaHi.id}`, { text: 'Hello from Ana' });
    expect(own.statusCode).toBe(200);
    expect((own.json() as ApiCanned).text).toBe('Hello from Ana');
    expect((await call(admin, 'PUT', `/${siteHi.id}`, {})).statusCode).toBe(400); // nothing to change
    expect((await call(ana, 'DELETE', `/${anaHi.id}`)).statusCode).toBe(204);
    expect(await shortcuts(ana)).toEqual(['hi:site', 'returns:site']);
    expect((await call(ana, 'DELETE', `/${anaHi.id}`)).statusCode).toBe(404);
  });

  it("another site's ids and callers are refused", async () => {
    await app.storage.createSite(
      {
        id: 'other',
        name: 'Other',
        secret: 'other-secret',
        allowedOrigins: ['http://localhost:*'],
        departments: [],
        color: '#000',
        title: 't',
        greeting: 'g',
        createdAt: Date.now(),
      },
      [],
    );
    await app.storage.createCanned({
      id: 'cr_other',
      siteId: 'other',
      agentId: null,
      shortcut: 'secret',
      text: 'Other shop only',
      createdAt: 1,
      updatedAt: 1,
    });
    // Through demo's path: not found; through other's path: demo's admin is not theirs.
    expect((await call(admin, 'PUT', '/cr_other', { text: 'x' })).statusCode).toBe(404);
    const foreign = await app.inject({
      method: 'GET',
      url: '/api/v1/sites/other/canned',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(foreign.statusCode).toBe(401);
    const noAuth = await app.inject({ method: 'GET', url: '/api/v1/sites/demo/canned' });
    expect(noAuth.statusCode).toBe(401);
  });
});
