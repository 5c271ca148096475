import type { ServerFrame } from '@switchboard/protocol';
import { Limits } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CloseInfo, createReconnectingSocket, type SocketLike } from '../src/client/socket.js';

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedWith = code;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' } as CloseEvent);
  }
}

const latest = () => FakeSocket.all[FakeSocket.all.length - 1]!;

function setup(onClose: (info: CloseInfo) => boolean = () => true) {
  const frames: ServerFrame[] = [];
  const closes: CloseInfo[] = [];
  const waits: number[] = [];
  const opens = vi.fn();
  const socket = createReconnectingSocket({
    url: () => 'ws://x/ws/agent',
    protocols: () => ['switchboard', 't'],
    onOpen: opens,
    onFrame: (f) => frames.push(f),
    onClose: (info) => {
      closes.push(info);
      return onClose(info);
    },
    onWaiting: (retryAt) => waits.push(retryAt - Date.now()),
    createSocket: (url) => new FakeSocket(url),
    random: () => 0.999,
  });
  return { socket, frames, closes, waits, opens };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('reconnecting socket', () => {
  it('delivers parsed frames and sends only while open', () => {
    const { socket, frames, opens } = setup();
    expect(socket.send({ type: 'ping' })).toBe(false);
    latest().open();
    expect(opens).toHaveBeenCalledTimes(1);
    expect(socket.send({ type: 'ping' })).toBe(true);
    latest().receive({ type: 'pong' });
    latest().onmessage?.({ data: 'not json' } as MessageEvent);
    expect(frames).toEqual([{ type: 'pong' }]);
  });

  it('backs off with growing, capped delays and starts over after resetBackoff', () => {
    const { socket, waits } = setup();
    for (let i = 0; i < 9; i++) {
      latest().serverClose(1006);
      vi.advanceTimersByTime(Limits.reconnectCapMs);
    }
    expect(waits.slice(0, 4)).toEqual([499, 999, 1998, 3996]);
    expect(Math.max(...waits)).toBeLessThan(Limits.reconnectCapMs);
    expect(FakeSocket.all).toHaveLength(10);
    socket.resetBackoff();
    latest().serverClose(1006);
    expect(waits[waits.length - 1]).toBe(499);
  });

  it('stays closed when told to (4401 → sign in again)', () => {
    setup((info) => info.code !== 4401);
    latest().open();
    latest().serverClose(4401);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('pings after 25 s of silence and drops a socket silent for 60 s', () => {
    const { closes } = setup();
    latest().open();
    vi.advanceTimersByTime(Limits.heartbeatIntervalMs + 5_000);
    expect(latest().sent).toEqual([{ type: 'ping' }]);
    vi.advanceTimersByTime(Limits.clientDeadAfterMs);
    expect(closes).toEqual([{ code: 4408, reason: 'heartbeat timeout', wasOpen: true }]);
    expect(FakeSocket.all[0]?.closedWith).toBe(4408);
  });

  it('does not ping while frames keep arriving', () => {
    setup();
    latest().open();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(10_000);
      latest().receive({ type: 'pong' });
    }
    expect(latest().sent).toEqual([]);
  });

  it('reconnects at once on request instead of waiting out the backoff', () => {
    const { socket } = setup();
    latest().serverClose(1006);
    expect(FakeSocket.all).toHaveLength(1);
    socket.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    socket.reconnectNow(); // already connecting: no second socket
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('stop closes the socket and cancels reconnects', () => {
    const { socket, closes } = setup();
    latest().open();
    socket.stop();
    expect(latest().closedWith).toBe(1000);
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(closes).toEqual([]);
  });
});

describe('going offline', () => {
  it('dropNow closes at once and reconnects per backoff (or at once on reconnectNow)', () => {
    const { socket, closes } = setup();
    latest().open();
    socket.dropNow('browser offline');
    expect(closes).toEqual([{ code: 4000, reason: 'browser offline', wasOpen: true }]);
    expect(socket.isOpen()).toBe(false);
    socket.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
  });
});
