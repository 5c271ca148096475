import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Connection } from '../src/ws/connection.js';
import { Client, ClientPool, listen, login, testApp, visitorSession, waitUntil } from './helpers.js';

const pool = new ClientPool();
let disposeApp: (() => Promise<void>) | null = null;
afterEach(async () => {
  await pool.closeAll();
  await disposeApp?.();
  disposeApp = null;
});

const LIMIT = 256 * 1024;
const TEXT = 'x'.repeat(3900);

/** The server's side of an agent's socket(s). */
function serverConns(app: FastifyInstance, agentId: string): Connection[] {
  return (app.hub.clientList() as Connection[]).filter(
    (c) => c.principal.kind === 'agent' && c.principal.agent.id === agentId,
  );
}

/** The TCP socket under a `ws` client: pausing it means the client stops reading. */
function tcp(ws: WebSocket): { pause(): void; resume(): void } {
  return (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
}

/** Seqs a client saw for a conversation, from live `message` frames and `history` frames. */
function seenSeqs(c: Client, conversationId: string): number[] {
  const seqs: number[] = [];
  for (const f of c.received) {
    if (f.type === 'message' && f.message.conversationId === conversationId) seqs.push(f.message.seq);
    if (f.type === 'history' && f.conversationId === conversationId)
      for (const m of f.messages) seqs.push(m.seq);
  }
  return seqs;
}

async function setup(closeGraceMs: number) {
  const t = await testApp({
    limits: { maxBufferedBytes: LIMIT, rateBurst: 100_000, addressRateBurst: 0, closeGraceMs },
  });
  disposeApp = t.dispose;
  const app = t.app;
  const host = await listen(app);
  const s = await visitorSession(app);
  const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  const fast = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
  const benToken = await login(app, 'ben@demo.test');
  const slow = pool.add(await Client.ready(host, '/ws/agent', benToken));
  const benId = (await app.storage.getAccountByEmail('ben@demo.test'))?.id as string;
  v.send({ type: 'send', cid: 'v0', text: 'hello' });
  const { conversationId } = await v.type('ack');
  fast.send({ type: 'claim', cid: 'claim', conversationId });
  await fast.type('ack', (f) => f.cid === 'claim');
  // The slow agent watches the busy conversation.
  slow.send({ type: 'open', cid: 'o0', conversationId });
  await slow.type('history', (f) => f.cid === 'o0');
  const [conn] = serverConns(app, benId);
  if (!conn) throw new Error('no server connection for ben');
  let sent = 0;
  /** The visitor writes `n` long messages and waits for their acks. */
  async function burst(n: number): Promise<void> {
    const cids: string[] = [];
    for (let i = 0; i < n; i++) {
      const cid = `b${++sent}`;
      cids.push(cid);
      v.send({ type: 'send', cid, text: `${cid} ${TEXT}` });
    }
    await v.type('ack', (f) => f.cid === cids.at(-1));
  }
  /** Until the server gives up on the slow agent: busy traffic plus its own history requests. */
  async function overload(): Promise<void> {
    tcp(slow.ws).pause();
    for (let round = 0; round < 200 && !conn?.closing; round++) {
      await burst(25);
      slow.send({ type: 'open', conversationId });
    }
    expect(conn?.closing).toBe(true);
  }
  return {
    app,
    host,
    v,
    fast,
    slow,
    benToken,
    benId,
    conn,
    conversationId: conversationId as string,
    burst,
    overload,
  };
}

describe('backpressure over real TCP', () => {
  it('a client that stops reading is closed with 4413, its buffer stays bounded, others are unaffected, resume loses nothing', async () => {
    const t = await setup(30_000);
    await t.overload();
    // Bounded: once the server gave up, more traffic adds nothing to the slow socket's buffer.
    const atClose = t.conn.ws.bufferedAmount;
    expect(atClose).toBeGreaterThan(LIMIT);
    await t.burst(50);
    expect(t.conn.ws.bufferedAmount).toBe(atClose);
    // The largest frame queued for it is one history; nothing near the traffic that followed.
    expect(atClose).toBeLessThan(LIMIT + 4 * 1024 * 1024);

    // The other agent got every message, in order, on time.
    const last = (await t.app.storage.getConversation(t.conversationId))?.lastSeq as number;
    await t.fast.type('message', (f) => f.message.seq === last);
    const fastSeqs = seenSeqs(t.fast, t.conversationId).filter((s) => s > 1);
    expect(fastSeqs).toEqual(Array.from({ length: last - 1 }, (_, i) => i + 2));

    // The slow client reads again: it drains what was queued and then gets 4413.
    tcp(t.slow.ws).resume();
    expect((await t.slow.closed).code).toBe(4413);
    await waitUntil(() => serverConns(t.app, t.benId).length === 0, 5000, 'slow socket removed');

    // Reconnect with the last seq it has: exactly the rest, nothing lost, nothing twice.
    const had = seenSeqs(t.slow, t.conversationId);
    const cursor = Math.max(...had);
    expect(cursor).toBeLessThan(last);
    const again = pool.add(
      await Client.ready(t.host, '/ws/agent', t.benToken, { [t.conversationId]: cursor }),
    );
    // In pages (`more` on all but the last), each seq once, in order.
    const pages = again.received.filter((f) => f.type === 'history' && f.conversationId === t.conversationId);
    expect(pages.slice(0, -1).every((f) => f.more === true)).toBe(true);
    expect(pages.at(-1)?.more).toBeUndefined();
    const replayed = seenSeqs(again, t.conversationId);
    expect(replayed).toEqual(Array.from({ length: last - cursor }, (_, i) => cursor + 1 + i));
    expect(new Set([...had, ...replayed])).toEqual(new Set(Array.from({ length: last }, (_, i) => i + 1)));
  });

  it('a client that never reads again is terminated after the close grace and forgotten', async () => {
    const t = await setup(200);
    const baseline = t.app.hub.size;
    await t.overload();
    // The close frame is stuck behind the unread buffer: the server terminates the socket itself
    // (the client, not reading, cannot even see that yet).
    await waitUntil(() => serverConns(t.app, t.benId).length === 0, 5000, 'slow socket removed');
    expect(t.conn.ws.readyState).toBe(3); // CLOSED, its buffer released
    expect(t.app.hub.size).toBe(baseline - 1);
    expect(t.app.gateway.connections).toBe(baseline - 1);
    // Everyone else carries on.
    t.v.send({ type: 'send', cid: 'after', text: 'still here' });
    const ack = await t.v.type('ack', (f) => f.cid === 'after');
    await t.fast.type('message', (f) => f.message.seq === ack.seq);
    // Reading again, the client finds the connection gone without a close frame.
    tcp(t.slow.ws).resume();
    expect((await t.slow.closed).code).toBe(1006);
  });
});
