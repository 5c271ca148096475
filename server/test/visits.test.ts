/**
 * The visitor context panel's data over real sockets: the widget's `hello` carries the visit
 * (pages, referrer, time zone, language; the User-Agent header comes with the upgrade), each
 * `page` frame adds a page and tells the site's agents where the visitor is now, and the REST
 * context route returns it with the visitor's conversations — for agents of that site only.
 */
import { Visit } from '@switchboard/protocol';
import { expect, it } from 'vitest';
import { addPage, firstLanguage } from '../src/chat/visits.js';
import { Client, liveApp, login, visitorSession, waitUntil } from './helpers.js';

const live = liveApp();

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1';

const context = async (token: string, visitorId: string, site = 'demo') =>
  live.app.inject({
    method: 'GET',
    url: `/api/v1/sites/${site}/visitors/${visitorId}/context`,
    headers: { authorization: `Bearer ${token}` },
  });

it('hello stores the visit, page frames extend it and agents hear the current page; the context route returns it', async () => {
  const anaToken = await login(live.app, 'ana@demo.test');
  const ana = live.pool.add(await Client.ready(live.host, '/ws/agent', anaToken));
  const s = await visitorSession(live.app);

  const before = await context(anaToken, s.visitorId);
  expect(before.statusCode).toBe(200);
  expect(before.json()).toMatchObject({ pages: [], referrer: null, userAgent: null, updatedAt: null });

  const t0 = Date.now();
  const tab = live.pool.add(
    await Client.connect(live.host, '/ws/visitor', s.token, undefined, { 'user-agent': UA }),
  );
  tab.send({
    type: 'hello',
    v: 1,
    ctx: {
      pages: [
        { url: 'https://shop.example/', title: 'Home', at: t0 - 60_000 },
        // A visitor's clock ahead of the server's: stored at the server's time, not in the future.
        { url: 'https://shop.example/p/café?<script>', title: 'Café <b>crème</b>', at: t0 + 3_600_000 },
      ],
      referrer: 'https://search.example/?q=coffee',
      tz: -300,
      lang: 'pt-BR',
    },
  });
  await tab.type('synced');
  const first = await ana.type('visit', (f) => f.visitorId === s.visitorId);
  expect(first.page).toMatchObject({
    url: 'https://shop.example/p/café?<script>',
    title: 'Café <b>crème</b>',
  });
  expect(first.page.at).toBeLessThanOrEqual(Date.now());

  tab.send({ type: 'page', url: 'https://shop.example/cart', title: 'Cart' });
  expect((await ana.type('visit', (f) => f.page.url === 'https://shop.example/cart')).visitorId).toBe(
    s.visitorId,
  );
  // The same page again (a single-page app renaming itself) only updates its title.
  tab.send({ type: 'page', url: 'https://shop.example/cart', title: 'Cart (2)' });
  await ana.type('visit', (f) => f.page.title === 'Cart (2)');

  tab.send({ type: 'send', cid: 'v-1', text: 'Where is my order?' });
  const convId = (await tab.type('ack', (f) => f.cid === 'v-1')).conversationId as string;

  const ctx = (await context(anaToken, s.visitorId)).json();
  expect(ctx).toMatchObject({
    visitorId: s.visitorId,
    referrer: 'https://search.example/?q=coffee',
    userAgent: UA,
    tzOffset: -300,
    locale: 'pt-BR',
  });
  expect(ctx.pages.map((p: { url: string; title: string }) => [p.url, p.title])).toEqual([
    ['https://shop.example/', 'Home'],
    ['https://shop.example/p/café?<script>', 'Café <b>crème</b>'],
    ['https://shop.example/cart', 'Cart (2)'],
  ]);
  expect(ctx.conversations.map((c: { id: string }) => c.id)).toEqual([convId]);

  // A reload (the widget sends the page it is on): the visit goes on, the repeat is not added
  // twice, the referrer stays the visit's first; the language comes from Accept-Language.
  await tab.close();
  const again = live.pool.add(
    await Client.connect(live.host, '/ws/visitor', s.token, undefined, {
      'accept-language': 'de-CH,de;q=0.9',
    }),
  );
  again.send({
    type: 'hello',
    v: 1,
    ctx: {
      pages: [{ url: 'https://shop.example/checkout', title: 'Checkout' }],
      referrer: 'https://shop.example/cart',
    },
  });
  await again.type('synced');
  await ana.type('visit', (f) => f.page.url === 'https://shop.example/checkout');
  // The widget's first look after connecting repeats the page hello had: not a new page.
  again.send({ type: 'page', url: 'https://shop.example/checkout', title: 'Checkout' });
  await ana.type('visit', (f) => f.page.url === 'https://shop.example/checkout');
  const after = await live.app.storage.getVisit(s.visitorId);
  expect(after?.pages.map((p) => p.url).slice(-2)).toEqual([
    'https://shop.example/cart',
    'https://shop.example/checkout',
  ]);
  expect(after).toMatchObject({
    referrer: 'https://search.example/?q=coffee',
    userAgent: null,
    locale: 'de-CH',
    tzOffset: null,
  });
});

it('a hello after the visit went idle starts a new visit with its own referrer', async () => {
  const s = await visitorSession(live.app);
  await live.app.storage.putVisit({
    visitorId: s.visitorId,
    siteId: 'demo',
    pages: [{ url: 'https://shop.example/old', title: 'Old', at: 1 }],
    referrer: 'https://old.example/',
    userAgent: null,
    tzOffset: null,
    locale: null,
    updatedAt: Date.now() - Visit.idleMs - 1000,
  });
  const tab = live.pool.add(await Client.connect(live.host, '/ws/visitor', s.token));
  tab.send({
    type: 'hello',
    v: 1,
    ctx: { pages: [{ url: 'https://shop.example/new', title: 'New' }], referrer: '' },
  });
  await tab.type('synced');
  await waitUntil(
    async () => (await live.app.storage.getVisit(s.visitorId))?.pages[0]?.url === 'https://shop.example/new',
    5000,
    'new visit',
  );
  expect(await live.app.storage.getVisit(s.visitorId)).toMatchObject({
    pages: [expect.objectContaining({ title: 'New' })],
    referrer: null,
  });
});

it('a hello context out of bounds is dropped and the session goes on; an oversized page frame is refused; the socket and the visit stay', async () => {
  const s = await visitorSession(live.app);
  const tab = live.pool.add(await Client.connect(live.host, '/ws/visitor', s.token));
  const tooMany = Array.from({ length: Visit.maxPages + 1 }, (_, i) => ({
    url: `https://x/${i}`,
    title: '',
    at: 1,
  }));
  tab.send({ type: 'hello', v: 1, ctx: { pages: tooMany, tz: 'junk' } });
  await tab.type('synced');
  expect(tab.received.filter((f) => f.type === 'error')).toEqual([]);
  expect(await live.app.storage.getVisit(s.visitorId)).toBeNull();
  // Not the whole frame: a bad `v` next to a bad ctx is still refused.
  const other = live.pool.add(await Client.connect(live.host, '/ws/visitor', s.token));
  other.send({ type: 'hello', v: 'one', ctx: { pages: tooMany } });
  expect((await other.type('error')).code).toBe('SB_ERR_BAD_FRAME');
  tab.send({ type: 'page', url: 'https://shop.example/', title: 'Home' });
  await waitUntil(async () => (await live.app.storage.getVisit(s.visitorId)) !== null, 5000, 'visit stored');

  tab.send({ type: 'page', url: `https://shop.example/${'x'.repeat(Visit.maxText)}`, title: 'Long' });
  const err = await tab.type('error');
  expect(err.code).toBe('SB_ERR_BAD_FRAME');
  expect(err.message).toMatch(/url/);
  tab.send({ type: 'ping' });
  await tab.type('pong');
  expect((await live.app.storage.getVisit(s.visitorId))?.pages.map((p) => p.url)).toEqual([
    'https://shop.example/',
  ]);
});

it("another site's agent cannot read the context; an unknown visitor is 404", async () => {
  const s = await visitorSession(live.app);
  const anaToken = await login(live.app, 'ana@demo.test');
  expect((await context(anaToken, 'v_nobody')).statusCode).toBe(404);
  const res = await live.app.inject({
    method: 'GET',
    url: `/api/v1/sites/demo/visitors/${s.visitorId}/context`,
  });
  expect(res.statusCode).toBe(401);
  expect((await context(anaToken, s.visitorId, 'elsewhere')).statusCode).toBe(403);
});

it('firstLanguage: the first tag of Accept-Language, or null', () => {
  expect(firstLanguage('de-CH,de;q=0.9,en;q=0.8')).toBe('de-CH');
  expect(firstLanguage('fr;q=0.8')).toBe('fr');
  expect(firstLanguage('*')).toBeNull();
  expect(firstLanguage('<script>')).toBeNull();
  expect(firstLanguage(undefined)).toBeNull();
});

it('addPage: appends, renames a repeat of the last page, keeps the newest maxPages', () => {
  const p = (url: string, title = url, at = 1) => ({ url, title, at });
  expect(addPage([], p('a'))).toEqual([p('a')]);
  expect(addPage([p('a'), p('b')], p('b', 'B', 9))).toEqual([p('a'), p('b', 'B')]);
  expect(addPage([p('a'), p('b')], p('a'))).toEqual([p('a'), p('b'), p('a')]);
  const full = Array.from({ length: Visit.maxPages }, (_, i) => p(String(i)));
  const next = addPage(full, p('new'));
  expect(next).toHaveLength(Visit.maxPages);
  expect(next[0]?.url).toBe('1');
  expect(next.at(-1)?.url).toBe('new');
});
