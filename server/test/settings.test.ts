import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import {
  Client,
  ClientPool,
  listen,
  login,
  ORIGIN,
  TEST_SCRYPT_N,
  testApp,
  visitorSession,
} from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let dir: string;
const pool = new ClientPool();

beforeEach(async () => {
  ({ app, dispose, dir } = await testApp());
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

const ALWAYS = {
  timezone: 'Europe/Lisbon',
  days: [0, 1, 2, 3, 4, 5, 6].map((day) => ({ day, from: '00:00', to: '24:00' })),
};
const NEVER = { timezone: 'America/New_York', days: [] };

function put(token: string | null, body: unknown, site = 'demo') {
  return app.inject({
    method: 'PUT',
    url: `/api/sites/${site}/settings`,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    payload: body as Record<string, unknown>,
  });
}

describe('site settings', () => {
  it('the demo site is always open by default: config, session and welcome say so', async () => {
    const config = (await app.inject({ method: 'GET', url: '/api/sites/demo/config' })).json();
    expect(config).toMatchObject({ id: 'demo', businessHours: null, open: true, agentsOnline: false });
    const session = await app.inject({
      method: 'POST',
      url: '/api/visitor/session',
      headers: { origin: ORIGIN },
      payload: { site: 'demo' },
    });
    expect(session.json().site).toMatchObject({ businessHours: null, open: true });
    const host = await listen(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', session.json().token));
    const welcome = v.received.find((f) => f.type === 'welcome');
    expect(welcome?.site).toMatchObject({ businessHours: null, open: true });
  });

  it('only an admin of the site may change them', async () => {
    expect((await put(null, { title: 'x' })).json()).toMatchObject({ code: 'SB_ERR_UNAUTHORIZED' });
    const ana = await login(app, 'ana@demo.test');
    const refused = await put(ana, { title: 'x' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('SB_ERR_FORBIDDEN');
    const admin = await login(app, 'admin@demo.test');
    expect((await put(admin, { title: 'x' }, 'other')).statusCode).toBe(403);
    const visitor = await visitorSession(app);
    expect((await put(visitor.token, { title: 'x' })).statusCode).toBe(401);
    expect((await app.storage.getSite('demo'))?.title).toBe('Chat with us');
  });

  it('an admin changes color, title, greeting, departments and hours; everyone connected gets a `site` frame', async () => {
    const host = await listen(app);
    const admin = await login(app, 'admin@demo.test');
    const s = await visitorSession(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    const a = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));

    const res = await put(admin, {
      color: '#0f766e',
      title: 'Talk to Acme',
      greeting: 'Hello there',
      departments: ['Billing', 'Returns'],
      businessHours: NEVER,
    });
    expect(res.statusCode).toBe(200);
    const expected = {
      id: 'demo',
      color: '#0f766e',
      title: 'Talk to Acme',
      greeting: 'Hello there',
      departments: ['Billing', 'Returns'],
      businessHours: NEVER,
      open: false,
    };
    expect(res.json()).toMatchObject(expected);
    expect((await v.type('site')).site).toMatchObject(expected);
    expect((await a.type('site')).site).toMatchObject(expected);
    expect((await app.inject({ method: 'GET', url: '/api/sites/demo/config' })).json()).toMatchObject(
      expected,
    );

    // Hours that cover the whole week: open. Partial updates keep the other fields.
    const open = (await put(admin, { businessHours: ALWAYS })).json();
    expect(open).toMatchObject({ title: 'Talk to Acme', businessHours: ALWAYS, open: true });
    expect((await v.type('site')).site).toMatchObject({ open: true, businessHours: ALWAYS });

    // null removes the hours: always open again.
    expect((await put(admin, { businessHours: null })).json()).toMatchObject({
      businessHours: null,
      open: true,
    });

    // New departments apply to new conversations and to the agents' welcome.
    const a2 = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    expect(a2.received.find((f) => f.type === 'welcome')?.departments).toEqual(['Billing', 'Returns']);
    v.send({ type: 'send', cid: 'd1', text: 'refund please', department: 'Returns' });
    const { conversationId } = await v.type('ack');
    expect((await app.storage.getConversation(conversationId))?.department).toBe('Returns');
  });

  it('settings persist across a restart', async () => {
    const admin = await login(app, 'admin@demo.test');
    await put(admin, { greeting: 'Back soon', businessHours: NEVER });
    await app.close();
    const again = await buildApp({
      config: { scryptN: TEST_SCRYPT_N, dataDir: dir, logLevel: 'silent' },
      logger: false,
    });
    try {
      const config = (await again.inject({ method: 'GET', url: '/api/sites/demo/config' })).json();
      expect(config).toMatchObject({ greeting: 'Back soon', businessHours: NEVER, open: false });
    } finally {
      await again.close();
    }
  });

  it('refuses invalid settings with SB_ERR_VALIDATION and changes nothing', async () => {
    const admin = await login(app, 'admin@demo.test');
    const bad = [
      { color: 'red; background: url(x)' },
      { title: '' },
      { title: '   ' },
      { greeting: 'x'.repeat(501) },
      { departments: ['Sales', 'Sales'] },
      { departments: ['Sales', ' '] },
      { businessHours: { timezone: 'Mars/Base', days: [] } },
      { businessHours: { timezone: 'UTC', days: [{ day: 7, from: '09:00', to: '17:00' }] } },
      { businessHours: { timezone: 'UTC', days: [{ day: 1, from: '9:00', to: '17:00' }] } },
      { businessHours: { timezone: 'UTC', days: [{ day: 1, from: '09:00', to: '24:30' }] } },
      { businessHours: { timezone: 'UTC', days: [{ day: 1, from: '22:00', to: '02:00' }] } },
    ];
    for (const body of bad) {
      const res = await put(admin, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('SB_ERR_VALIDATION');
    }
    const site = await app.storage.getSite('demo');
    expect(site).toMatchObject({
      color: '#2563eb',
      title: 'Chat with us',
      departments: ['Sales', 'Support', 'Billing'],
    });
    expect(site?.businessHours ?? null).toBeNull();
  });
});

describe('business hours over time', () => {
  it('pushes a site frame to connected visitors when the site opens or closes', async () => {
    const admin = await login(app, 'admin@demo.test');
    // Open Mondays 09:00–17:00 UTC only.
    const hours = { timezone: 'UTC', days: [{ day: 1, from: '09:00', to: '17:00' }] };
    expect((await put(admin, { businessHours: hours })).statusCode).toBe(200);
    const host = await listen(app);
    const session = await visitorSession(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', session.token));

    const mondayMorning = new Date('2026-11-23T08:59:00Z');
    const mondayOpen = new Date('2026-11-23T09:01:00Z');
    const mondayEvening = new Date('2026-11-23T17:00:00Z');
    await app.chat.publishOpeningChanges(mondayMorning); // records "closed"
    await app.chat.publishOpeningChanges(mondayOpen);
    const opened = await v.next((f) => f.type === 'site' && f.site.open === true);
    expect(opened.site.businessHours).toEqual(hours);
    await app.chat.publishOpeningChanges(mondayOpen); // no change: nothing sent
    await app.chat.publishOpeningChanges(mondayEvening);
    await v.next((f) => f.type === 'site' && f.site.open === false);
    expect(v.received.filter((f) => f.type === 'site' && f.site.open === true)).toHaveLength(1);
  });
});
