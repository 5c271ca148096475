/**
 * History and search over HTTP: the console's `/api/conversations/closed` and `/api/search`
 * (agents, scoped to the sites they are an active member of) and REST v1's
 * `/api/v1/sites/:site/search` (API key or agent of the site), on a real SQLite store.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemLines } from '../src/routing/index.js';
import { login, testApp, visitorRecord } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ app, dispose } = await testApp());
});
afterEach(() => dispose());

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const at = 1_700_000_000_000;

async function conversation(site: string, visitor: string, texts: string[], close: boolean, when: number) {
  const s = app.storage;
  const c = await s.createConversation({
    siteId: site,
    visitorId: visitor,
    department: null,
    status: 'queued',
    at: when,
  });
  await s.appendMessages(
    texts.map((text, i) => ({
      conversationId: c.id,
      sender: `v:${visitor}`,
      cid: `${c.id}-${i}`,
      text,
      author: { kind: 'visitor' as const, id: visitor, name: 'Visitor' },
      at: when,
    })),
  );
  if (close) {
    await s.transitionConversation(c.id, {
      expect: { status: 'queued', agentId: null },
      next: { status: 'closed', agentId: null, department: null },
      line: SystemLines.closed(),
      note: null,
      at: when + 1,
    });
  }
  return c.id;
}

describe('history and search over HTTP', () => {
  it('closed conversations page by cursor; search highlights, pages and stays in the agent’s sites; bad input is a 400 naming the field', async () => {
    await app.admin.createSite({ id: 'other', name: 'Other', allowedOrigins: ['https://other.test'] });
    await app.storage.createVisitor(
      visitorRecord('va', at, { name: 'Marta Gómez', email: 'marta@shop.example' }),
    );
    await app.storage.createVisitor(visitorRecord('vb', at));
    await app.storage.createVisitor(visitorRecord('vo', at, { siteId: 'other', name: 'Marta Other' }));
    const a = await conversation('demo', 'va', ['My parcel has shipped but not arrived'], true, at + 10);
    const b = await conversation('demo', 'vb', ['Where is my café order?'], true, at + 20);
    const open = await conversation('demo', 'vb', ['Shipping to Spain?'], false, at + 30);
    await conversation('other', 'vo', ['shipped elsewhere'], true, at + 40);
    const ana = await login(app, 'ana@demo.test');

    const closed1 = await app.inject({ url: '/api/conversations/closed?limit=1', headers: bearer(ana) });
    expect(closed1.statusCode).toBe(200);
    const page1 = closed1.json();
    expect(page1.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toEqual([b]);
    const closed2 = await app.inject({
      url: `/api/conversations/closed?limit=1&cursor=${page1.nextCursor}`,
      headers: bearer(ana),
    });
    expect(closed2.json().items[0]).toMatchObject({
      conversation: { id: a, status: 'closed' },
      visitor: { name: 'Marta Gómez' },
    });
    expect(closed2.json().nextCursor).toBeNull();

    const search = async (q: string, extra = '') =>
      app.inject({ url: `/api/search?q=${encodeURIComponent(q)}${extra}`, headers: bearer(ana) });
    const ship = (await search('SHIP')).json();
    expect(ship.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toEqual([open, a]);
    expect(ship.items[1].snippet).toEqual([
      { text: 'My parcel has ', match: false },
      { text: 'shipped', match: true },
      { text: ' but not arrived', match: false },
    ]);
    expect((await search('cafe')).json().items[0]).toMatchObject({ conversation: { id: b }, seq: 1 });
    const byEmail = (await search('marta@shop.example')).json();
    expect(byEmail.items).toHaveLength(1);
    expect(byEmail.items[0]).toMatchObject({ conversation: { id: a }, snippet: [], seq: null });
    const paged = (await search('ship', '&limit=1')).json();
    expect(paged.nextCursor).toEqual(expect.any(String));
    const next = (await search('ship', `&limit=1&cursor=${paged.nextCursor}`)).json();
    expect(next.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toEqual([a]);

    // Injection attempts are only words.
    expect((await search('"ship" OR *')).statusCode).toBe(200);
    expect((await search("'; drop")).json().items).toEqual([]);
    // Bad input: a 400 that names the field.
    const empty = await search('  !!  ');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('q');
    const noQ = await app.inject({ url: '/api/search', headers: bearer(ana) });
    expect(noQ.statusCode).toBe(400);
    expect(
      (await app.inject({ url: '/api/conversations/closed?cursor=nope', headers: bearer(ana) })).statusCode,
    ).toBe(400);
    // Another site: refused, and never in results.
    const foreign = await search('ship', '&site=other');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().message).toContain('site');
    expect((await app.inject({ url: '/api/search?q=ship' })).statusCode).toBe(401);

    // REST v1 with an API key of the site.
    const admin = await login(app, 'admin@demo.test');
    const key = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/sites/demo/api-keys',
        headers: bearer(admin),
        payload: { name: 'x' },
      })
    ).json().key as string;
    const v1 = await app.inject({ url: '/api/v1/sites/demo/search?q=shipp', headers: bearer(key) });
    expect(v1.json().items.map((i: { conversation: { id: string } }) => i.conversation.id)).toEqual([
      open,
      a,
    ]);
    expect(
      (await app.inject({ url: '/api/v1/sites/other/search?q=ship', headers: bearer(key) })).statusCode,
    ).toBe(401);
  });
});
