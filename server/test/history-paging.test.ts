/**
 * Issue 12, defect 3: the transcript is replayed in bounded pages. A cursor still gets every
 * message after it, in order, exactly once; no cursor gets the newest page; `before` pages
 * back; no frame exceeds a page's bytes; a client that does not read is fed page by page.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { Client, ClientPool, listen, login, testApp, visitorSession, waitUntil } from './helpers.js';

const pool = new ClientPool();
let disposeApp: (() => Promise<void>) | null = null;
afterEach(async () => {
  await pool.closeAll();
  await disposeApp?.();
  disposeApp = null;
});

const PAGE = 50;
const PAGE_BYTES = 128 * 1024;

async function start(limits: Record<string, number> = {}) {
  const t = await testApp({ limits: { addressRateBurst: 0, ...limits } });
  disposeApp = t.dispose;
  return { app: t.app, host: await listen(t.app) };
}

/** A conversation of `n` visitor messages stored directly (seq 1..n), with `text(i)`. */
async function conversation(
  app: FastifyInstance,
  n: number,
  text: (i: number) => string = (i) => `message ${i}`,
): Promise<{ token: string; visitorId: string; conversationId: string }> {
  const s = await visitorSession(app);
  const conv = await app.storage.createConversation({
    siteId: 'demo',
    visitorId: s.visitorId,
    department: null,
    status: 'queued',
    at: Date.now(),
  });
  for (let i = 1; i <= n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(i + 100, n + 1); j++) {
      batch.push({
        conversationId: conv.id,
        sender: `v:${s.visitorId}`,
        cid: `c${j}`,
        text: text(j),
        author: { kind: 'visitor' as const, id: s.visitorId, name: 'Visitor' },
        at: Date.now(),
      });
    }
    await app.storage.appendMessages(batch);
  }
  return { ...s, conversationId: conv.id };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Raw sizes of every frame a client receives (JSON text as sent). */
function recordSizes(c: Client): number[] {
  const sizes: number[] = [];
  c.ws.on('message', (data: Buffer) => sizes.push(data.length));
  return sizes;
}

/** Connects, records frame sizes from the first byte, says hello and waits for `synced`. */
async function hello(host: string, path: '/ws/visitor' | '/ws/agent', token: string, cursors?: object) {
  const c = pool.add(await Client.connect(host, path, token));
  const sizes = recordSizes(c);
  c.send(cursors ? { type: 'hello', v: 1, cursors } : { type: 'hello', v: 1 });
  await c.type('synced');
  return { c, sizes };
}

function historyFrames(c: Client, conversationId: string) {
  return c.received.filter((f) => f.type === 'history' && f.conversationId === conversationId);
}

function seqsOf(frames: { [k: string]: any }[]): number[] {
  return frames.flatMap((f) => (f.messages as { seq: number }[]).map((m) => m.seq));
}

describe('paged history replay', () => {
  it('a new device (no cursor) gets the newest page only, flagged as having older messages', async () => {
    const { app, host } = await start();
    const v = await conversation(app, 203);
    const { c, sizes } = await hello(host, '/ws/visitor', v.token);
    const pages = historyFrames(c, v.conversationId);
    expect(pages).toHaveLength(1);
    expect(seqsOf(pages)).toEqual(range(204 - PAGE, 203));
    expect(pages[0]?.older).toBe(true);
    expect(Math.max(...sizes)).toBeLessThan(PAGE_BYTES + 4096);
    // `synced` comes after the page.
    const kinds = c.received.map((f) => f.type);
    expect(kinds.indexOf('synced')).toBeGreaterThan(kinds.indexOf('history'));
  });

  it('a cursor gets exactly every message after it, in bounded pages, `synced` after the last', async () => {
    const { app, host } = await start();
    const v = await conversation(app, 203);
    for (const cursor of [0, 7, 150, 203]) {
      const { c } = await hello(host, '/ws/visitor', v.token, { [v.conversationId]: cursor });
      const pages = historyFrames(c, v.conversationId);
      expect(seqsOf(pages)).toEqual(range(cursor + 1, 203));
      expect(pages.length).toBe(Math.max(1, Math.ceil((203 - cursor) / PAGE)));
      for (const p of pages) expect(p.messages.length).toBeLessThanOrEqual(PAGE);
      expect(pages.slice(0, -1).every((p) => p.more === true)).toBe(true);
      expect(pages.at(-1)?.more).toBeUndefined();
      const kinds = c.received.map((f) => f.type);
      expect(kinds.lastIndexOf('history')).toBeLessThan(kinds.indexOf('synced'));
      await c.close();
    }
  });

  it('pages are bounded by bytes as well as by count: no frame is larger than a page', async () => {
    const { app, host } = await start();
    // 3 900 two-byte characters: 50 of them would be a 390 KB frame.
    const v = await conversation(app, 120, (i) => `${i} ${'é'.repeat(3900)}`);
    const { c, sizes } = await hello(host, '/ws/visitor', v.token, { [v.conversationId]: 0 });
    const pages = historyFrames(c, v.conversationId);
    expect(seqsOf(pages)).toEqual(range(1, 120));
    expect(pages.length).toBeGreaterThan(120 / PAGE + 1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PAGE_BYTES + 1024);
  });

  it('`before` pages back to the start, each message once; another visitor’s conversation is refused', async () => {
    const { app, host } = await start();
    const v = await conversation(app, 203);
    const { c } = await hello(host, '/ws/visitor', v.token);
    const held = new Set(seqsOf(historyFrames(c, v.conversationId)));
    let lowest = Math.min(...held);
    let older = true;
    for (let i = 0; older && i < 10; i++) {
      c.send({ type: 'history', cid: `h${i}`, conversationId: v.conversationId, before: lowest });
      const page = await c.type('history', (f) => f.cid === `h${i}`);
      expect(page.messages.length).toBeGreaterThan(0);
      for (const m of page.messages) {
        expect(held.has(m.seq)).toBe(false);
        expect(m.seq).toBeLessThan(lowest);
        held.add(m.seq);
      }
      lowest = page.messages[0].seq;
      older = page.older;
    }
    expect(older).toBe(false);
    expect([...held].sort((a, b) => a - b)).toEqual(range(1, 203));

    const stranger = await hello(host, '/ws/visitor', (await visitorSession(app)).token);
    stranger.c.send({ type: 'history', cid: 'x', conversationId: v.conversationId, before: 100 });
    const refused = await stranger.c.type('error', (f) => f.cid === 'x');
    expect(refused.code).toBe('SB_ERR_NOT_FOUND');
    expect(historyFrames(stranger.c, v.conversationId)).toHaveLength(0);
  });

  it('an agent opens on the newest page (with notes), resumes with `since`, and pages back', async () => {
    const { app, host } = await start();
    const v = await conversation(app, 130);
    const { c } = await hello(host, '/ws/agent', await login(app, 'ana@demo.test'));
    c.send({ type: 'open', cid: 'o1', conversationId: v.conversationId });
    const newest = await c.type('history', (f) => f.cid === 'o1');
    expect(newest.messages.map((m: { seq: number }) => m.seq)).toEqual(range(131 - PAGE, 130));
    expect(newest.older).toBe(true);
    expect(newest.notes).toEqual([]);

    c.send({ type: 'open', cid: 'o2', conversationId: v.conversationId, since: 10 });
    await c.type('history', (f) => f.cid === 'o2');
    const resumed = c.received.filter(
      (f) => f.type === 'history' && f.conversationId === v.conversationId && f !== newest,
    );
    expect(seqsOf(resumed)).toEqual(range(11, 130));
    expect(resumed.at(-1)?.cid).toBe('o2');
    expect(resumed.slice(0, -1).every((f) => f.more === true && f.cid === undefined)).toBe(true);

    c.send({ type: 'history', cid: 'b1', conversationId: v.conversationId, before: 11 });
    const back = await c.type('history', (f) => f.cid === 'b1');
    expect(back.messages.map((m: { seq: number }) => m.seq)).toEqual(range(1, 10));
    expect(back.older).toBe(false);
  });

  it('a client that stops reading is fed one page at a time; when it reads again it gets everything once', async () => {
    const maxBufferedBytes = 256 * 1024;
    const { app, host } = await start({ maxBufferedBytes });
    // About 8 MB of history: unpaged, it would sit in the server's memory at once.
    const v = await conversation(app, 2000, (i) => `${i} ${'x'.repeat(4000)}`);
    const c = pool.add(await Client.connect(host, '/ws/visitor', v.token));
    const tcp = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    c.send({ type: 'hello', v: 1, cursors: { [v.conversationId]: 0 } });
    const conn = () =>
      (app.hub.clientList() as { ws: WebSocket; closing: boolean }[]).find((x) => x.ws.bufferedAmount > 0);
    // The server's side fills up to what the kernel takes, then waits instead of buffering on.
    await waitUntil(() => conn() !== undefined, 5000, 'server-side buffer in use');
    const server = conn();
    expect(server?.ws.bufferedAmount).toBeLessThanOrEqual(maxBufferedBytes + PAGE_BYTES);
    tcp.resume();
    await c.type('synced', () => true);
    expect(server?.closing).toBe(false);
    expect(seqsOf(historyFrames(c, v.conversationId))).toEqual(range(1, 2000));
  });
});
