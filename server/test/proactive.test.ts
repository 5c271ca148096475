/**
 * Proactive messages over real HTTP and sockets: admins and API keys manage them with clear
 * validation errors, agents and other sites may not; the widget's public list holds enabled
 * rules only, the URL pattern as an anchored RegExp source, with CORS for the site's origins
 * only; a visitor's reply starts a conversation whose first line is the rule's text.
 */
import type { ApiProactiveRule, PublicProactiveRules } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globToRegExp } from '../src/chat/proactive.js';
import {
  Client,
  ClientPool,
  listen,
  login,
  ORIGIN,
  otherSiteAdmin,
  testApp,
  visitorSession,
} from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;
let admin: string;
let ana: string;
let boss: string;
let apiKey: string;
const pool = new ClientPool();
const started = Date.now();

beforeAll(async () => {
  ({ app, dispose } = await testApp());
  host = await listen(app);
  admin = await login(app, 'admin@demo.test');
  ana = await login(app, 'ana@demo.test');
  boss = await otherSiteAdmin(app);
  const made = await app.inject({
    method: 'POST',
    url: '/api/v1/sites/demo/api-keys',
    headers: { authorization: `Bearer ${admin}` },
    payload: { name: 'CMS' },
  });
  apiKey = (made.json() as { key: string }).key;
});
afterAll(async () => {
  await pool.closeAll();
  await dispose();
});

const call = (
  token: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path = '',
  payload?: object,
  site = 'demo',
) =>
  app.inject({
    method,
    url: `/api/v1/sites/${site}/proactive-messages${path}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

const publicList = (origin?: string) =>
  app.inject({ method: 'GET', url: '/api/sites/demo/proactive', headers: origin ? { origin } : {} });

describe('URL patterns', () => {
  it('become anchored RegExp sources: * matches anything, a leading / the path on every host, specials are literal', () => {
    const re = (p: string) => new RegExp(globToRegExp(p));
    expect(re('/pricing*').test('https://shop.example/pricing?plan=pro')).toBe(true);
    expect(re('/pricing*').test('http://localhost:8080/pricing')).toBe(true);
    expect(re('/pricing*').test('https://shop.example/en/pricing')).toBe(false);
    expect(re('/pricing*').test('https://evil.example/x?u=https://shop.example/pricing')).toBe(false);
    expect(re('https://shop.example/*/checkout').test('https://shop.example/de/checkout')).toBe(true);
    expect(re('https://shop.example/*/checkout').test('https://shop.example/de/checkout/done')).toBe(false);
    // Regex specials are literal: "." is a dot, "?" a question mark, "(" a parenthesis.
    expect(re('/a.b?(c)').test('https://x/a.b?(c)')).toBe(true);
    expect(re('/a.b?(c)').test('https://x/aXb(c)')).toBe(false);
    expect(re('*').test('https://anything/at/all')).toBe(true);
  });
});

describe('proactive messages API', () => {
  let pricing: ApiProactiveRule;

  it('an admin and an API key create them; agents and other sites may not; bad rules get clear 400s', async () => {
    const a = await call(admin, 'POST', '', {
      name: 'Pricing',
      text: 'Questions about our plans? <b>Ask</b>',
      department: 'Sales',
      trigger: 'page',
      urlPattern: '/pricing*',
      seconds: 20,
    });
    expect(a.statusCode).toBe(200);
    pricing = a.json() as ApiProactiveRule;
    expect(pricing).toMatchObject({ department: 'Sales', enabled: true, attribute: null, value: null });
    const k = await call(apiKey, 'POST', '', {
      name: 'Back',
      text: 'Welcome back!',
      trigger: 'returning',
      seconds: 0,
    });
    expect(k.statusCode).toBe(200);
    expect(
      (await call(ana, 'POST', '', { name: 'x', text: 'x', trigger: 'returning', seconds: 0 })).statusCode,
    ).toBe(403);
    expect((await call(boss, 'GET', '', undefined, 'demo')).statusCode).toBe(403);

    const bad = async (body: object, says: RegExp) => {
      const r = await call(admin, 'POST', '', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json()).toMatchObject({ code: 'SB_ERR_VALIDATION' });
      expect((r.json() as { message: string }).message).toMatch(says);
    };
    await bad({ name: 'No URL', text: 'x', trigger: 'page', seconds: 0 }, /urlPattern/);
    await bad(
      { name: 'No attr', text: 'x', trigger: 'attribute', attribute: 'plan', seconds: 0 },
      /attribute and value/,
    );
    await bad(
      { name: 'Dept', text: 'x', trigger: 'returning', seconds: 0, department: 'Nowhere' },
      /department/,
    );
    await bad(
      { name: 'Extra', text: 'x', trigger: 'returning', seconds: 0, color: 'red' },
      /color|additional/,
    );
    await bad({ name: 'Long', text: 'x'.repeat(1001), trigger: 'returning', seconds: 0 }, /text/);
    await bad({ name: 'Slow', text: 'x', trigger: 'returning', seconds: 3601 }, /seconds/);
    expect(((await call(admin, 'GET')).json() as ApiProactiveRule[]).map((r) => r.name)).toEqual([
      'Pricing',
      'Back',
    ]);
  });

  it('edits keep the rule whole; another site cannot see or touch them', async () => {
    const e = await call(admin, 'PATCH', `/${pricing.id}`, { seconds: 5 });
    expect(e.json()).toMatchObject({
      id: pricing.id,
      seconds: 5,
      urlPattern: '/pricing*',
      department: 'Sales',
    });
    // Switching to a page trigger without a URL is refused.
    const back = ((await call(admin, 'GET')).json() as ApiProactiveRule[]).find((r) => r.name === 'Back')!;
    expect((await call(admin, 'PATCH', `/${back.id}`, { trigger: 'page' })).statusCode).toBe(400);
    expect((await call(boss, 'PATCH', `/${pricing.id}`, { seconds: 1 }, 'other')).statusCode).toBe(404);
    expect((await call(boss, 'DELETE', `/${pricing.id}`, undefined, 'other')).statusCode).toBe(404);
    expect((await call(admin, 'GET', '', undefined)).json()).toHaveLength(2);
  });

  it('the widget list: enabled rules only, in the widget form, CORS for allowed origins only, cached a minute', async () => {
    const r = await publicList(ORIGIN);
    expect(r.statusCode).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(r.headers['cache-control']).toBe('public, max-age=60');
    const { rules } = r.json() as PublicProactiveRules;
    expect(rules).toEqual([
      {
        id: pricing.id,
        text: 'Questions about our plans? <b>Ask</b>',
        after: 5,
        url: globToRegExp('/pricing*'),
      },
      { id: expect.stringMatching(/^pm/), text: 'Welcome back!', after: 0, returning: true },
    ]);
    const refused = await publicList('https://evil.example');
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/api/sites/nope/proactive' })).statusCode).toBe(404);

    await call(admin, 'PATCH', `/${rules[1]!.id}`, { enabled: false });
    expect(((await publicList()).json() as PublicProactiveRules).rules.map((x) => x.id)).toEqual([
      pricing.id,
    ]);
  });

  it("a reply starts a conversation with the rule's line first, in its department; resends and later messages do not repeat it", async () => {
    const s = await visitorSession(app);
    const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    tab.send({ type: 'send', cid: 'p-1', text: 'Is there a yearly plan?', proactive: pricing.id });
    const ack = await tab.type('ack', (f) => f.cid === 'p-1');
    expect(ack.seq).toBe(2);
    const first = await tab.type('message', (f) => f.message.seq === 1);
    expect(first.message).toMatchObject({
      text: 'Questions about our plans? <b>Ask</b>',
      author: { kind: 'agent', name: 'Sales' },
    });
    expect(first.message.author.id).toBeUndefined();
    const convId = ack.conversationId as string;
    expect((await app.storage.getConversation(convId))?.department).toBe('Sales');

    // The same cid again (a resend after a reconnect), then a second message: the line stays alone.
    tab.send({ type: 'send', cid: 'p-1', text: 'Is there a yearly plan?', proactive: pricing.id });
    expect((await tab.type('ack', (f) => f.cid === 'p-1')).seq).toBe(2);
    tab.send({ type: 'send', cid: 'p-2', text: 'And monthly?', proactive: pricing.id });
    expect((await tab.type('ack', (f) => f.cid === 'p-2')).seq).toBe(3);
    const page = await app.inject({
      method: 'GET',
      url: `/api/v1/sites/demo/conversations/${convId}/messages`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(
      (page.json() as { items: { seq: number; text: string }[] }).items.map((m) => [m.seq, m.text]),
    ).toEqual([
      [1, 'Questions about our plans? <b>Ask</b>'],
      [2, 'Is there a yearly plan?'],
      [3, 'And monthly?'],
    ]);
    // Nobody answered yet: the proactive line is not a first response in the reports.
    const report = await app.inject({
      method: 'GET',
      url: `/api/v1/sites/demo/reports?from=${started}&department=Sales`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(report.json()).toMatchObject({ conversations: 1, firstResponseMs: null });
  });

  it('an unknown, disabled or other site’s rule id gives a normal conversation', async () => {
    const disabled = ((await call(admin, 'GET')).json() as ApiProactiveRule[]).find((r) => !r.enabled)!;
    for (const id of ['nope', disabled.id]) {
      const s = await visitorSession(app);
      const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));
      tab.send({ type: 'send', cid: 'n-1', text: 'Hello', proactive: id });
      const ack = await tab.type('ack', (f) => f.cid === 'n-1');
      expect(ack.seq).toBe(1);
      expect((await app.storage.getConversation(ack.conversationId))?.department).toBeNull();
    }
  });

  it('every change is in the audit log; a site holds at most 100', async () => {
    const audit = await app.inject({
      method: 'GET',
      url: '/api/v1/sites/demo/audit',
      headers: { authorization: `Bearer ${admin}` },
    });
    const actions = JSON.stringify(audit.json());
    expect(actions).toContain('proactive.created');
    expect(actions).toContain('proactive.updated');
    const have = ((await call(admin, 'GET')).json() as ApiProactiveRule[]).length;
    const made: string[] = [];
    for (let i = have; i < 100; i++) {
      const r = await call(admin, 'POST', '', {
        name: `r${i}`,
        text: 'x',
        trigger: 'returning',
        seconds: 0,
        enabled: false,
      });
      expect(r.statusCode).toBe(200);
      made.push((r.json() as ApiProactiveRule).id);
    }
    const over = await call(admin, 'POST', '', {
      name: 'one more',
      text: 'x',
      trigger: 'returning',
      seconds: 0,
    });
    expect(over.statusCode).toBe(409);
    for (const id of made) expect((await call(admin, 'DELETE', `/${id}`)).statusCode).toBe(204);
  });

  it('a rule deleted is gone from both lists', async () => {
    expect((await call(admin, 'DELETE', `/${pricing.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'DELETE', `/${pricing.id}`)).statusCode).toBe(404);
    expect(((await publicList()).json() as PublicProactiveRules).rules).toEqual([]);
  });
});
