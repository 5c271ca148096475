import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client, ClientPool, listen, login, testApp, visitorSession } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;
const pool = new ClientPool();

beforeEach(async () => {
  ({ app, dispose } = await testApp());
  host = await listen(app);
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

it('a visitor rates a closed conversation once over the socket; bad, early, foreign and second ratings get clear errors', async () => {
  const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
  const s = await visitorSession(app);
  const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  v.send({ type: 'send', cid: 'v-1', text: 'Hello' });
  const convId = (await v.type('ack', (f) => f.cid === 'v-1')).conversationId as string;

  // Not closed yet: refused, nothing stored.
  v.send({ type: 'rate', cid: 'r-0', conversationId: convId, score: 5 });
  expect(await v.type('error', (f) => f.cid === 'r-0')).toMatchObject({ code: 'SB_ERR_CONFLICT' });

  ana.send({ type: 'claim', cid: 'c-1', conversationId: convId });
  await ana.type('ack', (f) => f.cid === 'c-1');
  ana.send({ type: 'close', cid: 'c-2', conversationId: convId });
  await v.type('conversation', (f) => f.conversation.status === 'closed');

  // A score outside 1–5 or a huge comment is a bad frame; a script string is kept as text.
  v.send({ type: 'rate', cid: 'r-bad', conversationId: convId, score: 6 });
  expect(await v.type('error', (f) => f.code === 'SB_ERR_BAD_FRAME')).toBeTruthy();
  v.send({ type: 'rate', cid: 'r-big', conversationId: convId, score: 3, comment: 'x'.repeat(1001) });
  expect(await v.type('error', (f) => f.code === 'SB_ERR_BAD_FRAME')).toBeTruthy();

  // Another visitor cannot rate it.
  const other = await visitorSession(app);
  const o = pool.add(await Client.ready(host, '/ws/visitor', other.token));
  o.send({ type: 'rate', cid: 'r-x', conversationId: convId, score: 1 });
  expect(await o.type('error', (f) => f.cid === 'r-x')).toMatchObject({ code: 'SB_ERR_NOT_FOUND' });

  const comment = '<script>alert(1)</script> great';
  v.send({ type: 'rate', cid: 'r-1', conversationId: convId, score: 5, comment });
  const ack = await v.type('ack', (f) => f.cid === 'r-1');
  const line = await ana.type('message', (f) => f.message.event?.kind === 'rated');
  expect(line.message).toMatchObject({
    seq: ack.seq,
    text: `Rated 5/5: ${comment}`,
    event: { kind: 'rated', score: 5, comment },
  });
  await v.type('message', (f) => f.message.event?.kind === 'rated');

  // The same cid again: acked with the same line; another rating of this close: refused.
  v.send({ type: 'rate', cid: 'r-1', conversationId: convId, score: 5, comment });
  expect(await v.type('ack', (f) => f.cid === 'r-1' && f.seq === ack.seq)).toBeTruthy();
  v.send({ type: 'rate', cid: 'r-2', conversationId: convId, score: 1 });
  expect(await v.type('error', (f) => f.cid === 'r-2')).toMatchObject({ code: 'SB_ERR_CONFLICT' });

  const ratings = await app.storage.listRatings(convId);
  expect(ratings.map((r) => [r.score, r.comment])).toEqual([[5, comment]]);
  expect((await app.storage.getConversation(convId))?.status).toBe('closed');
});
