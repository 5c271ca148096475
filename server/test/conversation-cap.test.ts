/**
 * The per-site cap on new conversations per minute, over real sockets: past it a new
 * visitor's first message gets SB_ERR_RATE_LIMITED (the widget sends it again shortly) and
 * nothing is stored; visitors who already have a conversation write on; another site's
 * budget is its own.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client, ClientPool, listen, ORIGIN, testApp, visitorSession } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;
const pool = new ClientPool();

beforeEach(async () => {
  ({ app, dispose } = await testApp({ limits: { siteNewConversationsPerMinute: 3 } }));
  host = await listen(app);
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

async function newVisitor(site = 'demo'): Promise<{ c: Client; visitorId: string }> {
  const s = await visitorSession(app, { site });
  return { c: pool.add(await Client.ready(host, '/ws/visitor', s.token)), visitorId: s.visitorId };
}

it('past the cap a new conversation is refused with a clear error and nothing stored; open ones go on', async () => {
  const first: { c: Client; conversationId: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const { c } = await newVisitor();
    c.send({ type: 'send', cid: `ok-${i}`, text: `question ${i}` });
    first.push({
      c,
      conversationId: (await c.type('ack', (f) => f.cid === `ok-${i}`)).conversationId as string,
    });
  }
  const late = await newVisitor();
  late.c.send({ type: 'send', cid: 'late-1', text: 'one too many' });
  const err = await late.c.type('error', (f) => f.cid === 'late-1');
  expect(err.code).toBe('SB_ERR_RATE_LIMITED');
  expect(err.message).toContain('too many new conversations');
  expect(await app.storage.findMessageByCid(`v:${late.visitorId}`, 'late-1')).toBeNull();
  expect(await app.storage.listVisitorConversations(late.visitorId, 5)).toEqual([]);
  expect((await app.storage.listOpenConversations('demo')).length).toBe(3);

  // A visitor with a conversation is not counted again.
  const [one] = first;
  one?.c.send({
    type: 'send',
    cid: 'ok-more',
    conversationId: one.conversationId,
    text: 'and another thing',
  });
  await one?.c.type('ack', (f) => f.cid === 'ok-more');

  // Another site has its own budget.
  await app.storage.createSite({
    id: 'other',
    name: 'Other',
    secret: 'other-secret',
    allowedOrigins: [ORIGIN],
    departments: [],
    color: '#000',
    title: 't',
    greeting: 'g',
    createdAt: Date.now(),
  });
  const elsewhere = await newVisitor('other');
  elsewhere.c.send({ type: 'send', cid: 'else-1', text: 'hello other shop' });
  expect((await elsewhere.c.type('ack', (f) => f.cid === 'else-1')).conversationId).toEqual(
    expect.any(String),
  );
});
