import type { ServerFrame, VisitorClientFrame } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONNECT_TIMEOUT_MS, createClient } from '../src/client';
import type { KV } from '../src/storage';
import { $connection } from '../src/stores/connection';
import { $messages } from '../src/stores/messages';
import { $outbox, bindOutbox } from '../src/stores/outbox';
import { resetStores } from '../src/stores/reset';
import { kv, msg, site, summary } from './helpers';

/** The visit the widget puts in hello (the context panel's data). */
const CTX = { pages: [{ url: 'https://shop.test/', title: 'Shop', at: 1 }], tz: 60 };

/** A scriptable stand-in for the browser WebSocket. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: VisitorClientFrame[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(
    readonly url: string,
    readonly protocols?: string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  types() {
    return this.sent.map((f) => f.type);
  }
}

const last = () => FakeSocket.all.at(-1)!;

let storage: KV;
let warnings: string[];
let fetchCalls: Array<{ url: string; body: Record<string, unknown> }>;
let sessionStatus: number;
let online: boolean;
let uuid: number;

function client(extra: Partial<Parameters<typeof createClient>[0]> = {}) {
  return createClient({
    server: 'https://chat.test',
    site: 'demo',
    kv: storage,
    ctx: () => CTX,
    emit: () => {},
    warn: (m) => warnings.push(m),
    fetch: (async (url: string, init: RequestInit) => {
      fetchCalls.push({ url, body: JSON.parse(String(init.body)) });
      if (sessionStatus === 0) throw new TypeError('Failed to fetch');
      if (sessionStatus === -1)
        // A hanging server: nothing answers until the caller gives up.
        await new Promise((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        );
      return {
        ok: sessionStatus === 200,
        status: sessionStatus,
        json: async () => ({ token: `tok${fetchCalls.length}`, visitorId: 'v1', verified: false, site }),
      };
    }) as unknown as typeof fetch,
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    isOnline: () => online,
    uuid: () => `cid-${++uuid}`,
    random: () => 0.5,
    ...extra,
  });
}

/** Lets the session promise settle (fake timers do not run microtasks by themselves). */
const settle = () => vi.advanceTimersByTimeAsync(0);

async function connected(c: ReturnType<typeof client>, resume = true) {
  c.start();
  await settle();
  last().open();
  last().receive({
    type: 'welcome',
    v: 1,
    role: 'visitor',
    visitorId: 'v1',
    conversations: resume ? [summary()] : [],
    site,
  });
  if (resume)
    last().receive({ type: 'history', conversationId: 'c1', messages: [msg(1, 'visitor'), msg(2)] });
  last().receive({ type: 'synced' });
}

beforeEach(() => {
  vi.useFakeTimers();
  resetStores();
  FakeSocket.all = [];
  storage = kv();
  warnings = [];
  fetchCalls = [];
  sessionStatus = 200;
  online = true;
  uuid = 0;
  bindOutbox(storage);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('client: session and hello', () => {
  it('creates a session, stores the token, connects and says hello', async () => {
    const c = client({ department: 'sales' });
    expect(FakeSocket.all).toHaveLength(0); // nothing before start()
    c.start();
    expect($connection.get()).toBe('connecting');
    await settle();
    expect(fetchCalls).toEqual([{ url: 'https://chat.test/api/visitor/session', body: { site: 'demo' } }]);
    expect(storage.get('token')).toBe('tok1');
    // The token travels in Sec-WebSocket-Protocol, never in the URL (proxy logs hold URLs).
    expect(last().url).toBe('wss://chat.test/ws/visitor');
    expect(last().protocols).toEqual(['switchboard', 'tok1']);
    last().open();
    expect(last().sent).toEqual([{ type: 'hello', v: 1, ctx: CTX }]);
    last().receive({ type: 'welcome', v: 1, role: 'visitor', visitorId: 'v1', conversations: [], site });
    last().receive({ type: 'synced' });
    expect($connection.get()).toBe('online');
    c.write('hi there');
    expect(last().sent.at(-1)).toEqual({ type: 'send', cid: 'cid-1', text: 'hi there', department: 'sales' });
  });

  it('reuses a stored token and resumes from the last contiguous seq', async () => {
    storage.set('token', 'old');
    const c = client();
    await connected(c);
    expect(fetchCalls).toHaveLength(0);
    last().drop(1001);
    await vi.advanceTimersByTimeAsync(1000);
    last().open();
    expect(last().sent[0]).toEqual({ type: 'hello', v: 1, cursors: { c1: 2 }, ctx: CTX });
  });
});

describe('client: outbox', () => {
  it('keeps messages written offline and resends them with the same cid after every reconnect until acked', async () => {
    storage.set('token', 'old');
    const c = client();
    online = false;
    c.write('one');
    c.write('two');
    expect($outbox.get().map((e) => e.cid)).toEqual(['cid-1', 'cid-2']);
    expect($connection.get()).toBe('offline');
    online = true;
    await settle();
    last().open();
    last().receive({ type: 'welcome', v: 1, role: 'visitor', visitorId: 'v1', conversations: [], site });
    expect(last().types()).toEqual(['hello']); // nothing is sent before the replay is over
    last().receive({ type: 'synced' });
    expect(last().sent.slice(1)).toEqual([
      { type: 'send', cid: 'cid-1', text: 'one' },
      { type: 'send', cid: 'cid-2', text: 'two' },
    ]);
    last().receive({ type: 'ack', cid: 'cid-1', conversationId: 'c1', seq: 1, messageId: 'm1', at: 1 });
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    last().open();
    last().receive({
      type: 'welcome',
      v: 1,
      role: 'visitor',
      visitorId: 'v1',
      conversations: [summary()],
      site,
    });
    last().receive({ type: 'synced' });
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([
      { type: 'send', cid: 'cid-2', text: 'two' },
    ]);
    expect($messages.get().map((m) => m.text)).toEqual(['one']);
  });

  it('retries a rate-limited message later, and a failed one only on Retry', async () => {
    storage.set('token', 'old');
    const c = client();
    await connected(c, false);
    c.write('fast');
    c.write('bad');
    last().receive({ type: 'error', code: 'SB_ERR_RATE_LIMITED', message: 'slow down', cid: 'cid-1' });
    last().receive({ type: 'error', code: 'SB_ERR_TEXT_EMPTY', message: 'empty', cid: 'cid-2' });
    const before = last().sent.length;
    await vi.advanceTimersByTimeAsync(3000);
    expect(last().sent.slice(before)).toEqual([{ type: 'send', cid: 'cid-1', text: 'fast' }]);
    c.retry('cid-2');
    expect(last().sent.at(-1)).toEqual({ type: 'send', cid: 'cid-2', text: 'bad' });
    expect($outbox.get().every((e) => !e.failed)).toBe(true);
  });
});

describe('client: reconnect, close codes and heartbeats', () => {
  it('backs off with jitter, and reconnects at once when nudged (online / visible)', async () => {
    storage.set('token', 'old');
    const c = client();
    await connected(c);
    last().drop(1006);
    expect($connection.get()).toBe('connecting');
    // attempt 0: random 0.5 × 500 ms
    await vi.advanceTimersByTimeAsync(249);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(FakeSocket.all).toHaveLength(2);
    last().drop(1006); // fails before open: refresh the session first
    await vi.advanceTimersByTimeAsync(499);
    await settle();
    expect(FakeSocket.all).toHaveLength(2);
    c.nudge();
    await settle();
    expect(FakeSocket.all).toHaveLength(3);
    expect(fetchCalls).toHaveLength(1);
  });

  it('gets a new session on 4401 and stops for good on 4403', async () => {
    storage.set('token', 'old');
    const c = client();
    await connected(c);
    last().drop(4401);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchCalls).toHaveLength(1);
    expect(fetchCalls[0]?.body).toEqual({ site: 'demo', token: 'old' });
    last().open();
    last().drop(4403);
    expect($connection.get()).toBe('unavailable');
    await vi.advanceTimersByTimeAsync(60_000);
    c.nudge();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('pings after 25 s of silence and reconnects after 60 s', async () => {
    storage.set('token', 'old');
    const c = client();
    await connected(c);
    const first = last();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(first.types().filter((t) => t === 'ping')).toHaveLength(1);
    first.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(first.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(first.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('warns once when the server is unreachable, and keeps trying', async () => {
    sessionStatus = 0;
    const c = client();
    c.start();
    for (let i = 0; i < 6; i++) await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchCalls.length).toBeGreaterThan(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('https://chat.test');
    // A reload while still down (same storage, new page) stays quiet.
    c.shutdown();
    const reloaded = client();
    reloaded.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(warnings).toHaveLength(1);
    sessionStatus = 200;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('reports the next outage again once it was connected', async () => {
    storage.set('down', '1'); // an earlier page saw the server down
    const c = client();
    await connected(c, false);
    expect(storage.get('down')).toBeNull();
    sessionStatus = 0;
    last().drop(4401); // a new session is needed, and the server is gone
    await vi.advanceTimersByTimeAsync(30_000);
    expect(warnings).toHaveLength(1);
  });

  it('gives up on a hanging session request and a handshake that never opens, and retries', async () => {
    sessionStatus = -1;
    const c = client();
    c.start();
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS - 1);
    expect(fetchCalls).toHaveLength(1);
    expect(warnings).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(warnings).toHaveLength(1); // unreachable, said once
    sessionStatus = 200;
    await vi.advanceTimersByTimeAsync(250); // the first backoff step (random 0.5 × 500 ms)
    expect(fetchCalls).toHaveLength(2);
    expect(FakeSocket.all).toHaveLength(1);
    const hung = last();
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS - 1);
    expect(hung.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(hung.closed).toBe(true); // the handshake never answered: dropped, new session, new socket
    await vi.advanceTimersByTimeAsync(500); // the second backoff step
    expect(fetchCalls).toHaveLength(3);
    expect(FakeSocket.all).toHaveLength(2);
    last().open();
    expect(last().sent[0]?.type).toBe('hello');
    expect(warnings).toHaveLength(1);
  });

  it('stops when the site is unknown or the origin refused (one warning)', async () => {
    sessionStatus = 404;
    const c = client();
    c.start();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fetchCalls).toHaveLength(1);
    expect($connection.get()).toBe('unavailable');
    expect(warnings).toHaveLength(1);
  });

  it('shutdown closes the socket and cancels every timer', async () => {
    storage.set('token', 'old');
    const c = client();
    await connected(c);
    c.shutdown();
    expect(last().closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('client: consent (data-consent="required")', () => {
  it('held, asks nothing of the server whatever is wanted; consent connects and sends what waited', async () => {
    const c = client({ held: true });
    c.start();
    c.write('before consent');
    c.identify({ id: 'u1' });
    c.nudge();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fetchCalls).toEqual([]);
    expect(FakeSocket.all).toHaveLength(0);
    expect($connection.get()).toBe('idle');
    expect(c.leader()).toBe(true); // alone: no lock, no channel before consent

    c.hold(false);
    await settle();
    expect(fetchCalls).toEqual([
      { url: 'https://chat.test/api/visitor/session', body: { site: 'demo', user: { id: 'u1' } } },
    ]);
    last().open();
    last().receive({ type: 'welcome', v: 1, role: 'visitor', visitorId: 'v1', conversations: [], site });
    last().receive({ type: 'synced' });
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([
      { type: 'send', cid: 'cid-1', text: 'before consent' },
    ]);
  });

  it('a kept token and an identify before consent: the session says the new identity, with that token', async () => {
    storage.set('token', 'kept');
    const c = client({ held: true });
    c.identify({ id: 'u7', hash: 'h' });
    c.start();
    await settle();
    expect(fetchCalls).toEqual([]);
    c.hold(false);
    await settle();
    expect(fetchCalls.map((f) => f.body)).toEqual([
      { site: 'demo', token: 'kept', user: { id: 'u7', hash: 'h' } },
    ]);
  });

  it('without anything wanted, consent connects nothing', async () => {
    const c = client({ held: true });
    c.hold(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchCalls).toEqual([]);
    c.start();
    await settle();
    expect(fetchCalls).toHaveLength(1);
  });

  it('withdrawn, it disconnects and stays so; consent again starts a new session', async () => {
    const c = client();
    await connected(c);
    const sock = last();
    storage.del('token'); // the widget has removed the keys
    c.hold(true);
    expect(sock.closed).toBe(true);
    c.start(); // the panel opened again meanwhile
    c.nudge();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(fetchCalls).toHaveLength(1);

    c.hold(false);
    await settle();
    expect(fetchCalls.map((f) => f.body)).toEqual([{ site: 'demo' }, { site: 'demo' }]); // no token: a new visitor
    expect(FakeSocket.all).toHaveLength(2);
  });
});
