/**
 * Property-based fuzzing (fast-check) of the socket frame handler and of REST bodies, against the
 * real app on real sockets: random JSON, almost-valid frames (a valid frame with mutated fields:
 * wrong types, huge strings, extra fields, unicode, lone surrogates, nested values), text that
 * is not JSON, binary. Each property asserts that the server answers with error frames (or a
 * close with a documented code), never an internal error; that it stays up; that a control
 * conversation made before the fuzzing is untouched and still works; and that nothing it
 * refused was stored.
 *
 * Bounded and reproducible: a fixed seed per property (a failure prints its seed and path;
 * set FUZZ_SEED to try another).
 */

import { CloseCode, ErrorCode, type Message } from '@switchboard/protocol';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ConversationRecord } from '../src/storage/types.js';
import { Client, ClientPool, listen, login, ORIGIN, testApp, visitorSession, waitUntil } from './helpers.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_261_206;
const SENTINEL = 'zz-sentinel';
/** Stands for the fuzzed visitor's own conversation, and for the agent's sandbox conversation. */
const OWN = 'c_fuzz_own';
const SANDBOX = 'c_fuzz_sandbox';
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
/** Refusals of a frame that is not a valid frame at all (they count towards the 4400 close). */
const INVALID_CODES: ReadonlySet<string> = new Set([
  ErrorCode.BadJson,
  ErrorCode.UnknownType,
  ErrorCode.BadFrame,
  ErrorCode.TooLarge,
  ErrorCode.NotReady,
]);
/** Closes a fuzzed socket may see: too many invalid frames, or a frame over the hard limit. */
const FUZZ_CLOSES: readonly number[] = [CloseCode.ProtocolAbuse, CloseCode.TooBig];
const VISITOR_TYPES = new Set([
  'hello',
  'send',
  'typing',
  'read',
  'profile',
  'rate',
  'history',
  'page',
  'ping',
]);
const AGENT_TYPES = new Set([
  'hello',
  'send',
  'note',
  'claim',
  'transfer',
  'close',
  'open',
  'status',
  'typing',
  'read',
  'history',
  'ping',
]);
const SOFT_LIMIT = 64 * 1024;

const pool = new ClientPool();
const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await pool.closeAll();
  for (const d of disposers.splice(0)) await d();
});

// ------------------------------------------------------------------ arbitraries

type Frame = { kind: 'text'; data: string } | { kind: 'binary'; data: Uint8Array };
type Obj = Record<string, unknown>;

const awkward = fc.constantFrom(
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\u200b\u200d\u2060\ufeff',
  '\u0000',
  '👨\u200d👩\u200d👧',
  '\u202e',
  'a\u0301',
  '   \n\t ',
  '<script>alert(1)</script>',
  '"; DROP TABLE messages; --',
  '__proto__',
  '%00',
  '\\u0000',
);
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  awkward,
  fc.tuple(fc.string({ maxLength: 10 }), awkward).map(([a, b]) => a + b),
);
/** Over the text limit, over the frame soft limit, and (rarely) over the 1 MiB hard limit. */
const huge = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(65, 201, 1001, 4001, 10_001, 70_000).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constant('y'.repeat(1024 * 1024 + 16)) },
);
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  anyString,
  huge,
  fc.constantFrom(-1, 0, 1.5, -0, 2 ** 53, 1e308, -1e308, 6, 900, 901, null, true, false, [], {}),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

const CIDS = ['c1', 'c2', 'dup', 'x'.repeat(64), 'x'.repeat(65), ''];
const cid = fc.oneof(fc.constantFrom(...CIDS), fc.string({ minLength: 1, maxLength: 12 }));
const goodText = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
  awkward,
);

/** Sets, deletes or adds a field (an own property even for `__proto__`). */
function mutate(base: Obj, muts: readonly [string, string, unknown][]): Obj {
  const o: Obj = { ...base };
  for (const [op, name, value] of muts) {
    const keys = Object.keys(o);
    const key = op === 'extra' ? name : (keys[name.length % Math.max(keys.length, 1)] ?? name);
    if (op === 'delete') delete o[key];
    else Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return o;
}

const mutations = fc.array(
  fc.tuple(
    fc.constantFrom('set', 'set', 'delete', 'extra'),
    fc.oneof(fc.constantFrom('extra', '__proto__', 'constructor', 'type', 'cid', 'text'), anyString),
    weird,
  ),
  { minLength: 1, maxLength: 3 },
);

/** Every kind of frame: valid ones, almost valid ones, JSON of any shape, not JSON, binary. */
function frames(valid: fc.Arbitrary<Obj>): fc.Arbitrary<Frame> {
  const text = (data: string): Frame => ({ kind: 'text', data });
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((f) => text(JSON.stringify(f))) },
    {
      weight: 5,
      arbitrary: fc.tuple(valid, mutations).map(([f, m]) => text(JSON.stringify(mutate(f, m)))),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v))) },
    { weight: 1, arbitrary: anyString.map(text) },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([f, n]) => {
        const s = JSON.stringify(f);
        return text(s.slice(0, n % s.length));
      }),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((data): Frame => ({ kind: 'binary', data })),
    },
    {
      weight: 1,
      arbitrary: valid.map((f): Frame => ({ kind: 'binary', data: Buffer.from(JSON.stringify(f)) })),
    },
  );
}

function visitorFrames(convIds: fc.Arbitrary<string>): fc.Arbitrary<Obj> {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const strip = (o: Obj): Obj => JSON.parse(JSON.stringify(o)) as Obj;
  return fc
    .oneof(
      fc.record({
        type: fc.constant('send'),
        cid,
        text: goodText,
        conversationId: fc.oneof(
          { weight: 3, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: convIds },
        ),
        department: fc.oneof(
          { weight: 4, arbitrary: fc.constant(undefined) },
          fc.constantFrom('Sales', 'Nope', ''),
        ),
      }),
      fc.record({ type: fc.constant('typing'), on: fc.boolean(), conversationId: opt(convIds) }),
      fc.record({ type: fc.constant('read'), conversationId: convIds, seq: fc.nat(5) }),
      fc.record({
        type: fc.constant('profile'),
        name: opt(goodText),
        email: opt(fc.constantFrom('', 'a@b.test', 'not-an-email')),
        attributes: opt(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        ),
      }),
      fc.record({
        type: fc.constant('rate'),
        cid,
        conversationId: convIds,
        score: fc.integer({ min: 1, max: 5 }),
        comment: opt(goodText),
      }),
      fc.record({ type: fc.constant('history'), cid: opt(cid), conversationId: convIds, before: fc.nat(5) }),
      fc.record({ type: fc.constant('page'), url: fc.webUrl(), title: goodText }),
      fc.constant({ type: 'ping' }),
      fc.constant({ type: 'hello', v: 1 }),
    )
    .map(strip);
}

function agentFrames(convIds: fc.Arbitrary<string>, agentIds: fc.Arbitrary<string>): fc.Arbitrary<Obj> {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const strip = (o: Obj): Obj => JSON.parse(JSON.stringify(o)) as Obj;
  return fc
    .oneof(
      fc.record({ type: fc.constant('send'), cid, conversationId: convIds, text: goodText }),
      fc.record({ type: fc.constant('note'), cid, conversationId: convIds, text: goodText }),
      fc.record({ type: fc.constant('claim'), cid, conversationId: convIds }),
      fc.record({
        type: fc.constant('transfer'),
        cid,
        conversationId: convIds,
        toAgentId: opt(agentIds),
        department: opt(fc.constantFrom('Sales', 'Nope', null)),
        note: opt(goodText),
      }),
      fc.record({ type: fc.constant('close'), cid, conversationId: convIds }),
      fc.record({ type: fc.constant('open'), cid: opt(cid), conversationId: convIds, since: opt(fc.nat(5)) }),
      fc.record({ type: fc.constant('status'), status: fc.constantFrom('online', 'away') }),
      fc.record({ type: fc.constant('typing'), conversationId: convIds, on: fc.boolean() }),
      fc.record({ type: fc.constant('read'), conversationId: convIds, seq: fc.nat(5) }),
      fc.record({ type: fc.constant('history'), cid: opt(cid), conversationId: convIds, before: fc.nat(5) }),
      fc.constant({ type: 'ping' }),
      fc.constant({ type: 'hello', v: 1 }),
    )
    .map(strip);
}

// ------------------------------------------------------------------ helpers

function bytesOf(f: Frame): Buffer {
  return f.kind === 'text' ? Buffer.from(f.data, 'utf8') : Buffer.from(f.data);
}

/** The frame as the server decodes it (null: not a JSON object). */
function objectOf(f: Frame): Obj | null {
  try {
    const v: unknown = JSON.parse(bytesOf(f).toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
  } catch {
    return null;
  }
}

/**
 * Judged without the server's parser: a frame no schema could accept (over the soft limit,
 * not a JSON object, no or an unknown type, a second hello) must be answered with an error.
 */
function plainlyInvalid(f: Frame, types: ReadonlySet<string>): boolean {
  if (bytesOf(f).length > SOFT_LIMIT) return true;
  const o = objectOf(f);
  if (!o) return true;
  return typeof o.type !== 'string' || !types.has(o.type) || o.type === 'hello';
}

/** Fills in an id known only once the case runs (the visitor's own conversation, a sandbox). */
function substitute(f: Frame, from: string, to: string): Frame {
  if (f.kind === 'text') return { kind: 'text', data: f.data.replaceAll(from, to) };
  const text = Buffer.from(f.data).toString('utf8');
  if (!Buffer.from(text).equals(Buffer.from(f.data))) return f;
  return { kind: 'binary', data: Buffer.from(text.replaceAll(from, to)) };
}

function sendRaw(c: Client, f: Frame): void {
  c.ws.send(f.kind === 'text' ? f.data : Buffer.from(f.data), { binary: f.kind === 'binary' });
}

interface Outcome {
  /** The close code when the server closed the socket during the batch. */
  closed: number | null;
}

/**
 * Sends the batch, then a sentinel every socket answers with an error once its previous frames
 * have run; commits what was queued. The socket is either answering or closed by the server.
 */
async function fuzzBatch(app: FastifyInstance, c: Client, batch: readonly Frame[]): Promise<Outcome> {
  for (const f of batch) {
    if (c.ws.readyState !== WebSocket.OPEN) break;
    sendRaw(c, f);
  }
  if (c.ws.readyState === WebSocket.OPEN) {
    c.send({ type: 'history', cid: SENTINEL, conversationId: 'c_fuzz_sentinel', before: 1 });
  }
  const answered = c
    .type('error', (f) => f.cid === SENTINEL)
    .then(
      (f) => f,
      () => null,
    );
  const result = await Promise.race([answered, c.closed.then(() => 'closed' as const)]);
  if (result === null) throw new Error('the socket neither answered the sentinel nor was closed');
  if (result !== 'closed') expect(result.code).toBe(ErrorCode.NotFound);
  await app.chat.flush();
  return { closed: result === 'closed' ? (await c.closed).code : null };
}

/** Every frame the server sent is well formed; errors carry a known code, never an internal one. */
function checkAnswers(c: Client, batch: readonly Frame[], types: ReadonlySet<string>, o: Outcome): void {
  const errors = c.received.filter((f) => f.type === 'error' && f.cid !== SENTINEL);
  for (const e of errors) {
    expect(KNOWN_CODES.has(e.code), `unknown code ${e.code}`).toBe(true);
    expect(e.code).not.toBe(ErrorCode.Internal);
    expect(typeof e.message).toBe('string');
  }
  if (o.closed !== null) {
    expect(FUZZ_CLOSES).toContain(o.closed);
    return;
  }
  const invalid = batch.filter((f) => plainlyInvalid(f, types)).length;
  expect(errors.filter((e) => INVALID_CODES.has(e.code)).length).toBeGreaterThanOrEqual(invalid);
}

function allMessages(app: FastifyInstance, conversationId: string): Promise<Message[]> {
  return app.storage.messagesSince(conversationId, 0, 10_000);
}

/** What a refused frame must not change about a conversation. */
function stateOf(c: ConversationRecord | null): unknown {
  if (!c) return null;
  const { status, agentId, lastSeq, department, siteId, visitorId, closedAt } = c;
  return { status, agentId, lastSeq, department, siteId, visitorId, closedAt };
}

/** The frames a batch sent that the server may have accepted: their decoded objects. */
function sentObjects(batch: readonly Frame[]): Obj[] {
  return batch.map(objectOf).filter((o): o is Obj => o !== null);
}

/**
 * Every stored message of this sender was acked with its seq — or, when the socket was closed
 * before the acks could arrive, was a `send` frame of the batch with that cid and text.
 */
async function checkStoredWereAccepted(
  c: Client,
  batch: readonly Frame[],
  o: Outcome,
  stored: readonly Message[],
): Promise<void> {
  const acked = (m: Message) =>
    c.received.some((f) => f.type === 'ack' && f.messageId === m.id && f.cid === m.cid && f.seq === m.seq);
  if (o.closed === null) {
    await waitUntil(() => stored.every(acked), 5000, 'an ack for every stored message');
    return;
  }
  const sends = sentObjects(batch).filter((f) => f.type === 'send');
  for (const m of stored) {
    if (acked(m)) continue;
    const from = sends.find((f) => f.cid === m.cid && typeof f.text === 'string' && f.text.includes(m.text));
    expect(from, `stored without an ack: ${JSON.stringify(m)}`).toBeDefined();
  }
}

/** Every ack of a message names a stored message with that id, seq and cid. */
async function checkAcksWereStored(app: FastifyInstance, c: Client): Promise<void> {
  for (const a of c.received.filter((f) => f.type === 'ack' && typeof f.messageId === 'string')) {
    const [m] = await app.storage.messagesSince(a.conversationId, a.seq - 1, 1);
    expect(m).toMatchObject({ id: a.messageId, seq: a.seq, cid: a.cid });
  }
}

async function healthy(host: string): Promise<void> {
  const res = await fetch(`http://${host}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
}

// ------------------------------------------------------------------ the world the fuzzing runs in

interface World {
  app: FastifyInstance;
  host: string;
  control: { visitor: Client; agent: Client; conversationId: string };
  /** A conversation of another site. */
  foreign: string;
}

async function world(): Promise<World> {
  const t = await testApp({
    limits: {
      sessionPerMinute: 0,
      loginPerMinute: 0,
      siteNewConversationsPerMinute: 0,
      addressRateBurst: 0,
      rateBurst: 100_000,
      upgradeBurst: 0,
      maxSocketsPerAgent: 0,
      maxSocketsPerVisitor: 0,
    },
  });
  disposers.push(t.dispose);
  const app = t.app;
  const host = await listen(app);
  await app.storage.createSite({
    id: 'other',
    name: 'Other shop',
    secret: 'other-secret',
    allowedOrigins: ['http://localhost:*'],
    departments: [],
    color: '#000000',
    title: 'Other',
    greeting: 'Hello',
    createdAt: Date.now(),
  });
  const o = await visitorSession(app, { site: 'other' });
  const stranger = pool.add(await Client.ready(host, '/ws/visitor', o.token));
  stranger.send({ type: 'send', cid: 'o1', text: 'private to the other shop' });
  const foreign = (await stranger.type('ack', (f) => f.cid === 'o1')).conversationId as string;

  const s = await visitorSession(app);
  const visitor = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  visitor.send({ type: 'send', cid: 'ctl-1', text: 'control before the fuzzing' });
  const conversationId = (await visitor.type('ack', (f) => f.cid === 'ctl-1')).conversationId as string;
  const agent = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
  agent.send({ type: 'claim', cid: 'ctl-claim', conversationId });
  await agent.type('ack', (f) => f.cid === 'ctl-claim');
  return { app, host, control: { visitor, agent, conversationId }, foreign };
}

/** The control conversation still works end to end: send → ack → the agent receives it. */
async function controlWorks(w: World, before: readonly Message[]): Promise<void> {
  const { visitor, agent, conversationId } = w.control;
  expect(await allMessages(w.app, conversationId)).toEqual(before);
  visitor.send({ type: 'send', cid: 'ctl-after', text: 'control after the fuzzing' });
  const ack = await visitor.type('ack', (f) => f.cid === 'ctl-after');
  expect(ack.conversationId).toBe(conversationId);
  const got = await agent.type('message', (f) => f.message.cid === 'ctl-after');
  expect(got.message).toMatchObject({ seq: ack.seq, text: 'control after the fuzzing' });
  expect(await allMessages(w.app, conversationId)).toEqual([...before, got.message]);
}

function runs(n: number): fc.Parameters<unknown> {
  return { numRuns: n, seed: SEED, endOnFailure: true };
}

// ------------------------------------------------------------------ properties

describe('fuzzing the frame handler', () => {
  it('visitor socket: every frame is answered (error or a documented close), nothing refused is stored, others unaffected', async () => {
    const w = await world();
    const { app, host } = w;
    const controlBefore = await allMessages(app, w.control.conversationId);
    const foreignBefore = await allMessages(app, w.foreign);
    const convIds = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(OWN, OWN, w.control.conversationId, w.foreign, 'c_nope') },
      { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
    );
    const batch = fc.array(frames(visitorFrames(convIds)), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.boolean(), batch, async (prior, generated) => {
        const s = await visitorSession(app);
        const c = pool.add(await Client.ready(host, '/ws/visitor', s.token));
        let own = OWN;
        if (prior) {
          c.send({ type: 'send', cid: 'prior', text: 'before the batch' });
          own = (await c.type('ack', (f) => f.cid === 'prior')).conversationId as string;
        }
        const sent = generated.map((f) => substitute(f, OWN, own));
        const o = await fuzzBatch(app, c, sent);
        checkAnswers(c, sent, VISITOR_TYPES, o);
        const convs = await app.storage.listVisitorConversations(s.visitorId, 100);
        const stored: Message[] = [];
        for (const conv of convs) {
          const mine = (await allMessages(app, conv.id)).filter((m) => m.author.kind === 'visitor');
          // A conversation exists only for a message that was accepted.
          expect(mine.length, `conversation ${conv.id} without a visitor message`).toBeGreaterThan(0);
          stored.push(...mine);
        }
        await checkStoredWereAccepted(c, sent, o, stored);
        await checkAcksWereStored(app, c);
        expect(await allMessages(app, w.control.conversationId)).toEqual(controlBefore);
        expect(await allMessages(app, w.foreign)).toEqual(foreignBefore);
        await c.close();
      }),
      runs(200),
    );
    await healthy(host);
    await controlWorks(w, controlBefore);
  });

  it('agent socket: agent frames with mutated fields, unknown and foreign ids — answered, nothing refused stored', async () => {
    const w = await world();
    const { app, host } = w;
    const benToken = await login(app, 'ben@demo.test');
    const ben = (await app.storage.getAccountByEmail('ben@demo.test'))?.id as string;
    const ana = (await app.storage.getAccountByEmail('ana@demo.test'))?.id as string;
    const admin = (await app.storage.getAccountByEmail('admin@demo.test'))?.id as string;
    const controlBefore = await allMessages(app, w.control.conversationId);
    const controlState = stateOf(await app.storage.getConversation(w.control.conversationId));
    const foreignBefore = await allMessages(app, w.foreign);
    const foreignState = stateOf(await app.storage.getConversation(w.foreign));
    const foreignNotes = await app.storage.listNotes(w.foreign);

    const convIds = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(w.control.conversationId, w.foreign, SANDBOX, SANDBOX, 'c_nope'),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
    );
    const agentIds = fc.oneof(fc.constantFrom(ana, admin, ben, 'a_nope'), fc.string({ maxLength: 70 }));
    const batch = fc.array(frames(agentFrames(convIds, agentIds)), { minLength: 1, maxLength: 12 });
    /** Texts the server accepted as Ben's notes, per conversation (notes carry no cid). */
    const acceptedNotes = new Map<string, string[]>();
    /** Ids of Ben's messages checked as accepted in an earlier batch. */
    const accepted = new Set<string>();

    await fc.assert(
      fc.asyncProperty(fc.boolean(), batch, async (claimed, generated) => {
        // A queued conversation the fuzzed agent may legitimately act on (claim, reply, close…).
        const sv = await visitorSession(app);
        const sandboxVisitor = await Client.ready(host, '/ws/visitor', sv.token);
        sandboxVisitor.send({ type: 'send', cid: 'sb-1', text: 'sandbox' });
        const sandbox = (await sandboxVisitor.type('ack', (f) => f.cid === 'sb-1')).conversationId as string;
        const c = pool.add(await Client.ready(host, '/ws/agent', benToken));
        if (claimed) {
          c.send({ type: 'claim', cid: 'sb-claim', conversationId: sandbox });
          await c.type('ack', (f) => f.cid === 'sb-claim');
        }
        const sent = generated.map((f) => substitute(f, SANDBOX, sandbox));
        const o = await fuzzBatch(app, c, sent);
        checkAnswers(c, sent, AGENT_TYPES, o);
        // Ben's messages stored during this batch (not accepted in an earlier one).
        const fresh = async (): Promise<Message[]> => {
          const out: Message[] = [];
          for (const conv of [sandbox, w.control.conversationId]) {
            for (const m of await allMessages(app, conv)) {
              if (m.author.kind === 'agent' && m.author.id === ben && !accepted.has(m.id)) out.push(m);
            }
          }
          return out;
        };
        await checkStoredWereAccepted(c, sent, o, await fresh());
        for (const m of await fresh()) accepted.add(m.id);
        // Notes are answered on the socket's chain, before the sentinel.
        const ackedCids = new Set(c.received.filter((f) => f.type === 'ack').map((f) => f.cid as string));
        for (const f of sentObjects(sent)) {
          const text = f.type === 'note' ? f.text : f.type === 'transfer' ? f.note : undefined;
          if (typeof text !== 'string' || typeof f.conversationId !== 'string') continue;
          if (o.closed === null && !ackedCids.has(f.cid as string)) continue;
          const list = acceptedNotes.get(f.conversationId) ?? [];
          list.push(text);
          acceptedNotes.set(f.conversationId, list);
        }
        for (const conv of [sandbox, w.control.conversationId]) {
          for (const n of await app.storage.listNotes(conv)) {
            if (n.author.id !== ben) continue;
            const texts = acceptedNotes.get(conv) ?? [];
            expect(
              n.text.length > 0 && texts.some((t) => t.includes(n.text)),
              `Ben's note stored without an ack: ${JSON.stringify(n)}`,
            ).toBe(true);
          }
        }
        await checkAcksWereStored(app, c);
        // Ana's conversation: Ben may read it and add notes, nothing else.
        expect(await allMessages(app, w.control.conversationId)).toEqual(controlBefore);
        expect(stateOf(await app.storage.getConversation(w.control.conversationId))).toEqual(controlState);
        // Another site's conversation: not even visible.
        expect(await allMessages(app, w.foreign)).toEqual(foreignBefore);
        expect(stateOf(await app.storage.getConversation(w.foreign))).toEqual(foreignState);
        expect(await app.storage.listNotes(w.foreign)).toEqual(foreignNotes);
        const leaked = c.received.filter(
          (f) =>
            f.conversationId === w.foreign ||
            f.conversation?.id === w.foreign ||
            f.message?.conversationId === w.foreign,
        );
        expect(leaked.filter((f) => f.type !== 'error')).toEqual([]);
        await c.close();
        await sandboxVisitor.close();
      }),
      runs(200),
    );
    await healthy(host);
    await controlWorks(w, controlBefore);
  });
});

describe('found by the fuzzing', () => {
  it('a cid with a lone surrogate is refused (was stored altered: not the acked cid), on the socket and in REST', async () => {
    const w = await world();
    const { app, host } = w;
    const s = await visitorSession(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    // A lone surrogate can only arrive as a JSON escape.
    v.send('{"type":"send","cid":"a\\ud800","text":"hi"}');
    expect(await v.type('error', (f) => f.cid === 'a\ud800')).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await app.storage.listVisitorConversations(s.visitorId, 10)).toEqual([]);
    const before = await allMessages(app, w.control.conversationId);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/demo/conversations/${w.control.conversationId}/messages`,
      headers: {
        authorization: `Bearer ${await login(app, 'ana@demo.test')}`,
        'content-type': 'application/json',
      },
      payload: '{"text":"yo","cid":"r\\ud800"}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: ErrorCode.Validation, statusCode: 400 });
    expect(await allMessages(app, w.control.conversationId)).toEqual(before);
    // A well-formed emoji cid (a surrogate pair) is fine, and stored as acked.
    v.send({ type: 'send', cid: 'ok-👍', text: 'hi' });
    const ack = await v.type('ack', (f) => f.cid === 'ok-👍');
    expect((await app.storage.messagesSince(ack.conversationId, 0, 10))[0]?.cid).toBe('ok-👍');
  });

  it('a transfer note: malformed Unicode refused (was stored altered); a cid of a stored note acked (was SB_ERR_INTERNAL), kept once', async () => {
    const w = await world();
    const { app, host } = w;
    const ana = (await app.storage.getAccountByEmail('ana@demo.test'))?.id as string;
    const s = await visitorSession(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'v1', text: 'hello' });
    const { conversationId } = await v.type('ack', (f) => f.cid === 'v1');
    const ben = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));
    ben.send({ type: 'claim', cid: 'b1', conversationId });
    await ben.type('ack', (f) => f.cid === 'b1');
    // A transfer note with a lone surrogate is refused (was stored altered), nothing changes.
    ben.send(
      `{"type":"transfer","cid":"t0","conversationId":"${conversationId}","toAgentId":"${ana}","note":"x\\ud800"}`,
    );
    expect(await ben.type('error', (f) => f.cid === 't0')).toMatchObject({ code: ErrorCode.TextMalformed });
    expect(await app.storage.listNotes(conversationId)).toEqual([]);
    expect(await app.storage.getConversation(conversationId)).toMatchObject({ status: 'assigned' });
    ben.send({ type: 'note', cid: 'n1', conversationId, text: 'VIP customer' });
    await ben.type('ack', (f) => f.cid === 'n1');
    ben.send({ type: 'transfer', cid: 'n1', conversationId, toAgentId: ana, note: 'over to Ana' });
    const answer = await ben.next((f) => f.cid === 'n1');
    expect(answer).toMatchObject({ type: 'ack', conversationId });
    expect(await app.storage.getConversation(conversationId)).toMatchObject({
      status: 'assigned',
      agentId: ana,
    });
    expect((await app.storage.listNotes(conversationId)).map((n) => n.text)).toEqual(['VIP customer']);
  });
});

// ------------------------------------------------------------------ REST bodies

/**
 * A string field as stored from what was sent: Fastify's validator coerces scalars (and
 * one-element arrays) to the schema's string type — `{"cid": false}` is stored as "false".
 */
function asSent(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  if (Array.isArray(v) && v.length === 1) return asSent(v[0]);
  return v;
}

/** The fields a 2xx answer of the fuzzed routes carries (each route reads its own). */
type Answer = { token: string; visitorId: string; id: string; conversationId: string; seq: number } & Record<
  string,
  unknown
>;

interface Route {
  name: string;
  method: 'POST' | 'PATCH';
  url: fc.Arbitrary<string>;
  headers: Record<string, string>;
  body: fc.Arbitrary<Obj>;
  /** A 2xx answer: check what it stored. */
  stored: (res: { json: () => Answer }, body: unknown) => Promise<void>;
}

describe('fuzzing REST bodies', () => {
  it('write routes answer a JSON error with a 4xx (or store a valid body correctly), never a 500; settings unchanged on a 4xx', async () => {
    const w = await world();
    const { app } = w;
    const adminToken = await login(app, 'admin@demo.test');
    const anaToken = await login(app, 'ana@demo.test');
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const strip = (o: Obj): Obj => JSON.parse(JSON.stringify(o)) as Obj;
    const convIds = fc.oneof(
      fc.constantFrom(w.control.conversationId, w.foreign, 'c_nope'),
      fc.string({ minLength: 1, maxLength: 70 }),
    );
    const routes: Route[] = [
      {
        name: 'session',
        method: 'POST',
        url: fc.constant('/api/visitor/session'),
        headers: { origin: ORIGIN },
        body: fc.record({
          site: fc.constantFrom('demo', 'other', 'nope'),
          token: opt(fc.string({ maxLength: 20 })),
          user: opt(
            fc.record({ id: goodText, name: opt(goodText), email: opt(goodText), hash: opt(goodText) }),
          ),
        }),
        stored: async (res) => {
          const b = res.json();
          expect(typeof b.token).toBe('string');
          expect((await app.storage.getVisitor(b.visitorId))?.id).toBe(b.visitorId);
        },
      },
      {
        name: 'login',
        method: 'POST',
        url: fc.constant('/api/auth/login'),
        headers: {},
        body: fc.record({
          email: fc.constantFrom('ana@demo.test', 'ANA@demo.test', 'nobody@demo.test', ''),
          password: fc.constantFrom('demo1234', 'wrong', ''),
          site: opt(fc.constantFrom('demo', 'other', 'nope')),
        }),
        stored: async (res) => {
          expect(typeof res.json().token).toBe('string');
        },
      },
      {
        name: 'site',
        method: 'PATCH',
        url: fc.constant('/api/admin/sites/demo'),
        headers: auth(adminToken),
        body: fc.record(
          {
            name: goodText,
            color: fc.constantFrom('#112233', '#abc', 'red'),
            title: goodText,
            greeting: goodText,
            departments: fc.array(fc.constantFrom('Sales', 'Support', 'Billing', ''), { maxLength: 4 }),
            allowedOrigins: fc.constant([ORIGIN, 'http://localhost:*']),
            assignment: fc.constantFrom('manual', 'auto', 'nope'),
            retentionDays: fc.integer({ min: -1, max: 4000 }),
            businessHours: fc.constantFrom(null, {
              timezone: 'Europe/Lisbon',
              days: [{ day: 1, from: '09:00', to: '17:00' }],
            }),
          },
          { requiredKeys: [] },
        ),
        stored: async (res, body) => {
          const site = await app.storage.getSite('demo');
          const b = body as Obj;
          for (const k of ['name', 'title', 'greeting', 'color'] as const) {
            if (typeof b[k] === 'string') expect(site?.[k]).toBe(res.json()[k]);
          }
        },
      },
      {
        name: 'webhooks',
        method: 'POST',
        url: fc.constant('/api/v1/sites/demo/webhooks'),
        headers: auth(adminToken),
        body: fc.record({
          url: fc.constantFrom(
            'https://hooks.example.test/x',
            'http://127.0.0.1/x',
            'ftp://x',
            '',
            'not a url',
          ),
          events: fc.array(fc.constantFrom('message.created', 'conversation.closed', 'nope'), {
            maxLength: 3,
          }),
        }),
        stored: async (res, body) => {
          const { id } = res.json();
          const hook = await app.storage.getWebhook(id);
          expect(hook).toMatchObject({ siteId: 'demo', url: asSent((body as Obj).url) });
          // No deliveries to made-up hosts while the fuzzing goes on.
          const del = await app.inject({
            method: 'DELETE',
            url: `/api/v1/sites/demo/webhooks/${id}`,
            headers: auth(adminToken),
          });
          expect(del.statusCode).toBeLessThan(300);
        },
      },
      {
        name: 'canned',
        method: 'POST',
        url: fc.constant('/api/v1/sites/demo/canned'),
        headers: auth(adminToken),
        body: fc.record({
          shortcut: fc.oneof(
            fc.stringMatching(/^[a-z0-9_-]{1,8}$/),
            fc.constantFrom('', 'UPPER', 'x'.repeat(33)),
          ),
          text: goodText,
          personal: opt(fc.boolean()),
        }),
        stored: async (res, body) => {
          const c = await app.storage.getCanned(res.json().id);
          expect(c).toMatchObject({ siteId: 'demo', shortcut: asSent((body as Obj).shortcut) });
        },
      },
      {
        name: 'messages',
        method: 'POST',
        url: fc
          .oneof({ weight: 3, arbitrary: fc.constant(w.control.conversationId) }, convIds)
          .map((id) => `/api/v1/sites/demo/conversations/${encodeURIComponent(id)}/messages`),
        headers: auth(anaToken),
        body: fc.record({ text: goodText, cid }),
        stored: async (res, body) => {
          const { conversationId, seq } = res.json();
          const [m] = await app.storage.messagesSince(conversationId, seq - 1, 1);
          expect(m).toMatchObject({ seq, cid: asSent((body as Obj).cid) });
        },
      },
    ];

    type Payload = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; type: string };
    const byName = new Map(routes.map((r) => [r.name, r]));
    const request = fc.constantFrom(...routes.map((r) => r.name)).chain((name) => {
      const route = byName.get(name) as Route;
      return fc.tuple(
        fc.constant(name),
        route.url,
        fc.oneof<fc.WeightedArbitrary<Payload>[]>(
          { weight: 3, arbitrary: route.body.map(strip).map((value) => ({ kind: 'json', value })) },
          {
            weight: 4,
            arbitrary: fc
              .tuple(route.body.map(strip), mutations)
              .map(([b, m]) => ({ kind: 'json', value: mutate(b, m) })),
          },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json', value })) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(
                anyString,
                fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
              )
              .map(([text, type]) => ({ kind: 'raw', text, type })),
          },
        ),
      );
    });

    let site = await app.storage.getSite('demo');
    await fc.assert(
      fc.asyncProperty(request, async ([name, url, payload]) => {
        const route = byName.get(name) as Route;
        const res = await app.inject({
          method: route.method,
          url,
          headers:
            payload.kind === 'json'
              ? { ...route.headers, 'content-type': 'application/json' }
              : { ...route.headers, 'content-type': payload.type },
          payload: payload.kind === 'json' ? JSON.stringify(payload.value) : payload.text,
        });
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          const b = res.json();
          expect(typeof b.code).toBe('string');
          expect(KNOWN_CODES.has(b.code), b.code).toBe(true);
          expect(typeof b.message).toBe('string');
          expect(b.statusCode).toBe(res.statusCode);
          expect(await app.storage.getSite('demo')).toEqual(site);
          return;
        }
        expect(res.statusCode).toBeLessThan(300);
        await route.stored(res, payload.kind === 'json' ? payload.value : undefined);
        if (route.name === 'site') site = await app.storage.getSite('demo');
        else expect(await app.storage.getSite('demo')).toEqual(site);
      }),
      runs(300),
    );
    await healthy(w.host);
  });
});
