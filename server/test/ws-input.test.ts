import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
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

async function readyVisitor(): Promise<Client> {
  const s = await visitorSession(app);
  return pool.add(await Client.ready(host, '/ws/visitor', s.token));
}

/** After an error the socket must still carry valid traffic. */
async function stillUsable(c: Client, cid: string): Promise<void> {
  c.send({ type: 'send', cid, text: 'still here' });
  const ack = await c.type('ack', (f) => f.cid === cid);
  expect(ack.seq).toBeGreaterThan(0);
}

describe('handshake', () => {
  it('refuses a missing, wrong or wrong-kind token with HTTP 401 before the upgrade', async () => {
    await expect(Client.connect(host, '/ws/visitor', null)).rejects.toThrow('HTTP 401');
    await expect(Client.connect(host, '/ws/visitor', 'not-a-jwt')).rejects.toThrow('HTTP 401');
    await expect(Client.connect(host, '/ws/agent', 'x.y.z')).rejects.toThrow('HTTP 401');
    const s = await visitorSession(app);
    await expect(Client.connect(host, '/ws/agent', s.token)).rejects.toThrow('HTTP 401');
    const agentToken = await login(app, 'ana@demo.test');
    await expect(Client.connect(host, '/ws/visitor', agentToken)).rejects.toThrow('HTTP 401');
    // A token signed with another secret.
    const other = await testApp();
    try {
      const foreign = await visitorSession(other.app);
      await expect(Client.connect(host, '/ws/visitor', foreign.token)).rejects.toThrow('HTTP 401');
    } finally {
      await other.dispose();
    }
  });

  it('refuses a visitor socket from an origin the site does not allow (403)', async () => {
    const s = await visitorSession(app);
    await expect(Client.connect(host, '/ws/visitor', s.token, 'http://evil.test')).rejects.toThrow(
      'HTTP 403',
    );
    await expect(Client.connect(host, '/ws/visitor', s.token, null)).rejects.toThrow('HTTP 403');
    // The right origin works.
    pool.add(await Client.connect(host, '/ws/visitor', s.token));
  });

  it('frames before hello → SB_ERR_NOT_READY; an unsupported version closes with 4406', async () => {
    const s = await visitorSession(app);
    const c = pool.add(await Client.connect(host, '/ws/visitor', s.token));
    c.send({ type: 'send', cid: 'early', text: 'hi' });
    expect(await c.type('error')).toMatchObject({ code: 'SB_ERR_NOT_READY', cid: 'early' });
    c.send({ type: 'hello', v: 1 });
    await c.type('synced');
    c.send({ type: 'hello', v: 1 });
    expect(await c.type('error')).toMatchObject({ code: 'SB_ERR_NOT_READY' });
    await stillUsable(c, 'after-hello');

    const bad = pool.add(await Client.connect(host, '/ws/visitor', s.token));
    bad.send({ type: 'hello', v: 99 });
    expect((await bad.closed).code).toBe(4406);
  });
});

describe('bad frames get their error and the socket stays usable', () => {
  it('malformed JSON → SB_ERR_BAD_JSON', async () => {
    const c = await readyVisitor();
    c.send('{"type": "send", ');
    expect(await c.type('error')).toMatchObject({ code: 'SB_ERR_BAD_JSON' });
    await stillUsable(c, 'j');
  });

  it('unknown or missing type → SB_ERR_UNKNOWN_TYPE (with the cid echoed)', async () => {
    const c = await readyVisitor();
    c.send({ type: 'claim', cid: 'k1', conversationId: 'c_x' }); // an agent-only frame
    expect(await c.type('error')).toMatchObject({ code: 'SB_ERR_UNKNOWN_TYPE', cid: 'k1' });
    c.send({ cid: 'k2', text: 'no type' });
    expect(await c.type('error')).toMatchObject({ code: 'SB_ERR_UNKNOWN_TYPE', cid: 'k2' });
    c.send('[1,2,3]');
    expect(await c.type('error')).toMatchObject({ code: 'SB_ERR_UNKNOWN_TYPE' });
    await stillUsable(c, 'k3');
  });

  it('missing or wrong fields → SB_ERR_BAD_FRAME naming the field', async () => {
    const c = await readyVisitor();
    c.send({ type: 'send', cid: 'f1' });
    const e = await c.type('error');
    expect(e).toMatchObject({ code: 'SB_ERR_BAD_FRAME', cid: 'f1' });
    expect(e.message).toContain('text');
    c.send({ type: 'read', conversationId: 'c', seq: 'x' });
    expect((await c.type('error')).message).toContain('seq');
    await stillUsable(c, 'f2');
  });

  it('a 70 KiB frame → SB_ERR_TOO_LARGE, nothing stored', async () => {
    const c = await readyVisitor();
    c.send({ type: 'send', cid: 'big', text: 'x'.repeat(70 * 1024) });
    expect(await c.type('error')).toMatchObject({ code: 'SB_ERR_TOO_LARGE', cid: 'big' });
    await stillUsable(c, 'after-big');
    expect(await app.storage.findMessageByCid(`v:${await visitorIdOf(c)}`, 'big')).toBeNull();
  });

  it('a frame over the hard limit (1 MiB) closes the socket with 1009', async () => {
    const c = await readyVisitor();
    c.send({ type: 'send', cid: 'huge', text: 'x'.repeat(1024 * 1024 + 10) });
    expect((await c.closed).code).toBe(1009);
  });

  it('empty text → SB_ERR_TEXT_EMPTY; 10 000 characters → SB_ERR_TEXT_TOO_LONG', async () => {
    const c = await readyVisitor();
    c.send({ type: 'send', cid: 'e', text: '   \n ' });
    expect(await c.type('error', (f) => f.cid === 'e')).toMatchObject({ code: 'SB_ERR_TEXT_EMPTY' });
    c.send({ type: 'send', cid: 'l', text: 'a'.repeat(10_000) });
    expect(await c.type('error', (f) => f.cid === 'l')).toMatchObject({ code: 'SB_ERR_TEXT_TOO_LONG' });
    await stillUsable(c, 'ok');
    // Exactly 4 000 characters is fine.
    c.send({ type: 'send', cid: 'max', text: 'b'.repeat(4000) });
    await c.type('ack', (f) => f.cid === 'max');
  });

  it('malformed Unicode → SB_ERR_TEXT_MALFORMED, invisible-only → SB_ERR_TEXT_EMPTY; what is stored is what was acked', async () => {
    const s = await visitorSession(app);
    const c = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    // A lone surrogate can only arrive as a JSON escape (ws refuses invalid UTF-8 bytes).
    c.send('{"type":"send","cid":"lone","text":"x\\ud800y"}');
    expect(await c.type('error', (f) => f.cid === 'lone')).toMatchObject({ code: 'SB_ERR_TEXT_MALFORMED' });
    c.send({ type: 'send', cid: 'zw', text: '\u200b\u200d\u2060\ufeff' });
    expect(await c.type('error', (f) => f.cid === 'zw')).toMatchObject({ code: 'SB_ERR_TEXT_EMPTY' });
    const tricky = 'a\u200bb 👨\u200d👩\u200d👧 ok';
    c.send({ type: 'send', cid: 'good', text: tricky });
    const ack = await c.type('ack', (f) => f.cid === 'good');
    // A new device replays the conversation: only the accepted message, byte for byte.
    const again = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    const history = await again.type('history', (f) => f.conversationId === ack.conversationId);
    expect(history.messages.map((m: { seq: number; text: string }) => [m.seq, m.text])).toEqual([
      [ack.seq, tricky],
    ]);
  });

  it('10 invalid frames within 10 s close the socket with 4400; other sockets are unaffected', async () => {
    const bystander = await readyVisitor();
    const c = await readyVisitor();
    for (let i = 0; i < 10; i++) c.send('not json');
    expect((await c.closed).code).toBe(4400);
    expect(c.received.filter((f) => f.type === 'error').length).toBeGreaterThanOrEqual(9);
    await stillUsable(bystander, 'bystander');
  });

  it('more than the burst of sends → SB_ERR_RATE_LIMITED, not stored', async () => {
    const c = await readyVisitor();
    for (let i = 0; i < 31; i++) c.send({ type: 'send', cid: `r${i}`, text: `m${i}` });
    const err = await c.type('error', (f) => f.code === 'SB_ERR_RATE_LIMITED');
    expect(err.cid).toBe('r30');
    await c.type('ack', (f) => f.cid === 'r29');
    expect(await app.storage.findMessageByCid(`v:${await visitorIdOf(c)}`, 'r30')).toBeNull();
  });

  it('every other frame type draws on a control bucket (read, open…), ping never does', async () => {
    const t = await testApp({ limits: { controlRateBurst: 5, controlRateRefillPerSec: 0 } });
    try {
      const h = await listen(t.app);
      const s = await visitorSession(t.app);
      const c = pool.add(await Client.ready(h, '/ws/visitor', s.token));
      c.send({ type: 'send', cid: 'm', text: 'hi' });
      const { conversationId } = await c.type('ack', (f) => f.cid === 'm');
      for (let i = 0; i < 20; i++) c.send({ type: 'ping' });
      for (let i = 0; i < 5; i++) c.send({ type: 'read', conversationId, seq: 1 });
      c.send({ type: 'read', conversationId, seq: 1 });
      expect(await c.type('error', (f) => f.code === 'SB_ERR_RATE_LIMITED')).toBeTruthy();
      expect(c.received.filter((f) => f.type === 'pong').length).toBe(20);
      // Messages have their own budget: still accepted.
      c.send({ type: 'send', cid: 'm2', text: 'still sending' });
      await c.type('ack', (f) => f.cid === 'm2');
    } finally {
      await t.dispose();
    }
  });

  it("typing and read receipts only from the conversation's assignee (or an admin)", async () => {
    const s = await visitorSession(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'q', text: 'who is there?' });
    const { conversationId } = await v.type('ack', (f) => f.cid === 'q');
    const ben = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));
    // Queued: nobody speaks for it yet.
    ben.send({ type: 'typing', conversationId, on: true });
    expect(await ben.type('error')).toMatchObject({ code: 'SB_ERR_FORBIDDEN' });
    const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    ana.send({ type: 'claim', cid: 'c', conversationId });
    await ana.type('ack', (f) => f.cid === 'c');
    ben.send({ type: 'read', conversationId, seq: 1 });
    ben.send({ type: 'typing', conversationId, on: true });
    await ben.type(
      'error',
      (f) => f.code === 'SB_ERR_FORBIDDEN' && ben.received.filter((x) => x.type === 'error').length === 3,
    );
    // The assignee's typing reaches the visitor; Ben's never did.
    ana.send({ type: 'typing', conversationId, on: true });
    expect(await v.type('typing')).toMatchObject({ from: { kind: 'agent', name: 'Ana Silva' } });
    expect(v.received.filter((f) => f.type === 'typing').length).toBe(1);
    expect(v.received.filter((f) => f.type === 'read').length).toBe(0);
    const admin = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'admin@demo.test')));
    admin.send({ type: 'read', conversationId, seq: 2 });
    expect(await v.type('read')).toMatchObject({ by: 'agent' });
  });

  it('agent errors: unknown conversation, reply before claim, claim of a closed one', async () => {
    const agentToken = await login(app, 'ana@demo.test');
    const a = pool.add(await Client.ready(host, '/ws/agent', agentToken));
    a.send({ type: 'claim', cid: 'x1', conversationId: 'c_nope' });
    expect(await a.type('error', (f) => f.cid === 'x1')).toMatchObject({ code: 'SB_ERR_NOT_FOUND' });
    const v = await readyVisitor();
    v.send({ type: 'send', cid: 'v', text: 'hi' });
    const { conversationId } = await v.type('ack');
    a.send({ type: 'send', cid: 'x2', conversationId, text: 'early' });
    expect(await a.type('error', (f) => f.cid === 'x2')).toMatchObject({ code: 'SB_ERR_FORBIDDEN' });
    a.send({ type: 'close', cid: 'x3', conversationId });
    await a.type('ack', (f) => f.cid === 'x3');
    a.send({ type: 'claim', cid: 'x4', conversationId });
    expect(await a.type('error', (f) => f.cid === 'x4')).toMatchObject({ code: 'SB_ERR_CONFLICT' });
    a.send({ type: 'ping' });
    await a.type('pong');
  });

  it('a visitor cannot write into someone else’s conversation', async () => {
    const one = await readyVisitor();
    one.send({ type: 'send', cid: 'a', text: 'mine' });
    const { conversationId } = await one.type('ack');
    const two = await readyVisitor();
    two.send({ type: 'send', cid: 'b', conversationId, text: 'intruder' });
    expect(await two.type('error', (f) => f.cid === 'b')).toMatchObject({ code: 'SB_ERR_NOT_FOUND' });
    two.send({ type: 'read', conversationId, seq: 1 });
    expect(await two.type('error')).toMatchObject({ code: 'SB_ERR_NOT_FOUND' });
  });
});

async function visitorIdOf(c: Client): Promise<string> {
  const w = c.received.find((f) => f.type === 'welcome');
  return w?.visitorId as string;
}

describe('socket lifecycle', () => {
  // 5 000 sockets opened and closed against the registries and timers: see leaks.test.ts.
  it('the heartbeat sweep terminates a socket that missed its pong', async () => {
    const c = await readyVisitor();
    const conn = [
      ...(app.hub as unknown as { clients: Set<{ isAlive: boolean; ws: WebSocket }> }).clients,
    ][0];
    expect(conn).toBeDefined();
    // Simulate a peer that never answered the previous ping.
    if (conn) conn.isAlive = false;
    app.hub.sweep();
    expect((await c.closed).code).toBe(1006);
    await waitUntil(() => app.hub.size === 0);
  });
});

/** Waits for a condition the server reaches on its own (checked once per event-loop turn). */
async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}
