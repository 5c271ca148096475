import type { ServerFrame, VisitorClientFrame } from '@switchboard/protocol';
import { backoffDelay } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoff, createClient } from '../src/client';
import type { KV } from '../src/storage';
import { $connection } from '../src/stores/connection';
import { $messages } from '../src/stores/messages';
import { $outbox, bindOutbox } from '../src/stores/outbox';
import { resetStores } from '../src/stores/reset';
import { createTabs, type TabMessage } from '../src/tabs';
import { kv, msg, site } from './helpers';

/** The visit the widget puts in hello (the context panel's data). */
const CTX = { pages: [{ url: 'https://shop.test/', title: 'Shop', at: 1 }], tz: 60 };

/** BroadcastChannel stand-in: delivers a structured copy to every other open channel of the name. */
class FakeChannel {
  static all: FakeChannel[] = [];
  onmessage: ((e: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(readonly name: string) {
    FakeChannel.all.push(this);
  }
  postMessage(data: unknown) {
    if (this.closed) throw new Error('InvalidStateError: channel closed');
    const copy = JSON.parse(JSON.stringify(data));
    for (const c of FakeChannel.all) {
      if (c !== this && !c.closed && c.name === this.name)
        queueMicrotask(() => c.onmessage?.({ data: copy }));
    }
  }
  close() {
    this.closed = true;
  }
}

/** Web Locks stand-in: one holder per name, waiters granted in order, abortable while waiting. */
class FakeLocks {
  private held = new Set<string>();
  private queue: Array<{ name: string; grant: () => void; signal?: AbortSignal }> = [];
  request(name: string, opts: { signal?: AbortSignal }, cb: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        this.held.add(name);
        void cb().then(() => {
          this.held.delete(name);
          this.next(name);
          resolve();
        });
      };
      opts.signal?.addEventListener('abort', () => {
        const i = this.queue.findIndex((q) => q.grant === grant);
        if (i >= 0) {
          this.queue.splice(i, 1);
          reject(new DOMException('aborted', 'AbortError'));
        }
      });
      if (this.held.has(name)) this.queue.push({ name, grant, signal: opts.signal });
      else queueMicrotask(grant);
    });
  }
  private next(name: string) {
    const i = this.queue.findIndex((q) => q.name === name);
    if (i >= 0) this.queue.splice(i, 1)[0]!.grant();
  }
}

const flush = () => vi.advanceTimersByTimeAsync(0);

let locks: FakeLocks;
beforeEach(() => {
  vi.useFakeTimers();
  FakeChannel.all = [];
  locks = new FakeLocks();
  resetStores();
});
afterEach(() => vi.useRealTimers());

/** A raw tab (no client): what another tab of the same visitor looks like on the channel. */
function tab(name = 'sb:demo') {
  const got: TabMessage[] = [];
  let led = false;
  const t = createTabs({
    name,
    locks: locks as unknown as LockManager,
    Channel: FakeChannel as unknown as typeof BroadcastChannel,
    lead: () => {
      led = true;
    },
    receive: (m) => got.push(m),
  });
  return { t, got, led: () => led };
}

describe('tabs: election and routing', () => {
  it('elects one leader; a follower reaches it; closing the leader hands over', async () => {
    const a = tab();
    await flush();
    const b = tab();
    await flush();
    expect([a.led(), a.t.leader()]).toEqual([true, true]);
    expect([b.led(), b.t.leader()]).toEqual([false, false]);
    expect(a.got).toContainEqual({ j: 1 }); // the newcomer asked for the state
    b.t.post({ c: { type: 'typing', on: true } });
    await flush();
    expect(a.got.at(-1)).toEqual({ c: { type: 'typing', on: true } });
    a.t.close();
    await flush();
    expect(b.t.leader()).toBe(true);
    expect(() => a.t.post({ w: 1 })).not.toThrow(); // closed: posts are dropped
  });

  it('without Web Locks or BroadcastChannel every tab leads alone', () => {
    const lead = vi.fn();
    const t = createTabs({ name: 'sb:x', locks: undefined, Channel: undefined, lead, receive: () => {} });
    expect(t.leader()).toBe(true);
    t.post({ w: 1 });
    t.close();
  });
});

/** Minimal fake WebSocket, enough to see what the client opens and sends. */
class Sock {
  static all: Sock[] = [];
  readyState = 0;
  sent: VisitorClientFrame[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    Sock.all.push(this);
  }
  send(d: string) {
    this.sent.push(JSON.parse(d));
  }
  close() {}
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(f: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
}

function client(storage: KV) {
  return createClient({
    server: 'https://chat.test',
    site: 'demo',
    kv: storage,
    ctx: () => CTX,
    emit: () => {},
    warn: () => {},
    fetch: (async () => ({
      ok: true,
      status: 200,
      json: async () => ({ token: 'tok', visitorId: 'v1', verified: false, site }),
    })) as unknown as typeof fetch,
    WebSocket: Sock as unknown as typeof WebSocket,
    isOnline: () => true,
    uuid: () => 'cid-1',
    random: () => 0.5,
    locks: locks as unknown as LockManager,
    Channel: FakeChannel as unknown as typeof BroadcastChannel,
  });
}

describe('client: leader and follower tabs', () => {
  it('a follower opens no socket, hands its frames to the leader and shows what the leader relays', async () => {
    Sock.all = [];
    const leader = tab(); // another tab already leads
    await flush();
    const storage = kv();
    storage.set('token', 'tok');
    bindOutbox(storage);
    const c = client(storage);
    await flush();
    expect(c.leader()).toBe(false);
    c.start();
    c.write('from a follower');
    await flush();
    expect(Sock.all).toHaveLength(0);
    expect(leader.got).toContainEqual({ w: 1 });
    expect(leader.got).toContainEqual({ c: { type: 'send', cid: 'cid-1', text: 'from a follower' } });
    expect($outbox.get()).toHaveLength(1); // shown as "Sending…" until the relayed ack

    // The leader answers the join with its state, then relays live frames.
    leader.t.post({ p: { site, on: true, conv: null, msgs: [], n: 'online' } });
    leader.t.post({
      s: { type: 'message', message: msg(1, 'visitor', { cid: 'cid-1', text: 'from a follower' }) },
    });
    leader.t.post({ s: { type: 'message', message: msg(2, 'agent') } });
    await flush();
    expect($connection.get()).toBe('online');
    expect($messages.get().map((m) => m.seq)).toEqual([1, 2]);
    expect($outbox.get()).toHaveLength(0);

    // The leader's tab closes: this tab takes over, connects and resumes from seq 2.
    leader.t.close();
    await flush();
    expect(c.leader()).toBe(true);
    expect(Sock.all).toHaveLength(1);
    Sock.all[0]!.open();
    expect(Sock.all[0]!.sent[0]).toEqual({ type: 'hello', v: 1, cursors: { c1: 2 }, ctx: CTX });
    c.shutdown();
  });

  it('the leader sends a follower frame on its socket and relays every server frame', async () => {
    Sock.all = [];
    const storage = kv();
    storage.set('token', 'tok');
    bindOutbox(storage);
    const c = client(storage);
    await flush();
    expect(c.leader()).toBe(true);
    c.start();
    await flush();
    const ws = Sock.all[0]!;
    ws.open();
    ws.receive({ type: 'welcome', v: 1, role: 'visitor', visitorId: 'v1', conversations: [], site });
    ws.receive({ type: 'synced' });
    const follower = tab();
    await flush();
    // The newcomer gets the leader's state.
    expect(follower.got.find((m) => m.p)?.p).toMatchObject({ n: 'online', on: true, msgs: [] });
    follower.t.post({ c: { type: 'typing', on: true } });
    follower.t.post({ c: { type: 'send', cid: 'x1', text: 'hello' } });
    await flush();
    expect(ws.sent.slice(1)).toEqual([
      { type: 'typing', on: true },
      { type: 'send', cid: 'x1', text: 'hello' },
    ]);
    ws.receive({ type: 'message', message: msg(1, 'visitor', { cid: 'x1', text: 'hello' }) });
    ws.receive({ type: 'pong' });
    await flush();
    expect(follower.got.filter((m) => m.s).map((m) => m.s!.type)).toEqual(['message']);
    c.shutdown();
  });
});

describe('backoff', () => {
  it('is the protocol backoffDelay (the widget inlines it to save bytes)', () => {
    for (const attempt of [0, 1, 3, 6, 10, 30]) {
      for (const r of [0, 0.3, 0.999]) expect(backoff(attempt, () => r)).toBe(backoffDelay(attempt, () => r));
    }
  });
});
