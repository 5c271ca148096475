import { CloseCode } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { InProcessBus } from '../src/bus/in-process.js';
import { Hub, type HubClient } from '../src/hub.js';

class FakeSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  terminated = false;
  pings = 0;
  send(data: string) {
    this.sent.push(data);
  }
  close(code: number) {
    this.closedWith = code;
    this.readyState = 2;
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
  }
  ping() {
    this.pings++;
  }
}

function client(): HubClient & { fake: FakeSocket } {
  const fake = new FakeSocket();
  return {
    ws: fake as unknown as WebSocket,
    fake,
    isAlive: true,
    topics: [],
    held: null,
    closing: false,
  };
}

function hub(maxBufferedBytes = 1024) {
  const bus = new InProcessBus();
  return { bus, hub: new Hub(bus, { maxBufferedBytes, heartbeatMs: 60_000 }) };
}

describe('Hub', () => {
  it('delivers a frame once per socket even when it holds several of its topics, serialized once', () => {
    const { hub: h } = hub();
    const a = client();
    const b = client();
    h.add(a);
    h.add(b);
    h.subscribe(a, 'visitor:v1');
    h.subscribe(a, 'conv:c1');
    h.subscribe(b, 'conv:c1');
    h.publish(['visitor:v1', 'conv:c1', 'agent:x'], { type: 'pong' });
    expect(a.fake.sent).toEqual(['{"type":"pong"}']);
    expect(b.fake.sent).toEqual(['{"type":"pong"}']);
    // The very same string instance goes to every recipient.
    expect(a.fake.sent[0]).toBe(b.fake.sent[0]);
  });

  it('closes a slow consumer with 4413 instead of buffering without bound', () => {
    const { hub: h } = hub(1024);
    const slow = client();
    const fine = client();
    h.add(slow);
    h.add(fine);
    h.subscribe(slow, 't');
    h.subscribe(fine, 't');
    slow.fake.bufferedAmount = 4096;
    h.publish(['t'], { type: 'pong' });
    expect(slow.fake.closedWith).toBe(CloseCode.SlowConsumer);
    expect(slow.fake.sent).toEqual([]);
    expect(fine.fake.sent).toHaveLength(1);
  });

  it('holds live frames during a replay and releases them in order afterwards', () => {
    const { hub: h } = hub();
    const c = client();
    h.add(c);
    h.subscribe(c, 't');
    c.held = [];
    h.publish(['t'], { type: 'synced' });
    h.send(c, { type: 'pong' }); // direct frames (welcome, history) bypass the hold
    expect(c.fake.sent).toEqual(['{"type":"pong"}']);
    h.release(c);
    expect(c.fake.sent).toEqual(['{"type":"pong"}', '{"type":"synced"}']);
  });

  it('heartbeat sweep pings live sockets and terminates those that missed the last pong', () => {
    const { hub: h } = hub();
    const alive = client();
    const dead = client();
    h.add(alive);
    h.add(dead);
    h.sweep();
    expect([alive.fake.pings, dead.fake.pings]).toEqual([1, 1]);
    alive.isAlive = true; // its pong arrived
    h.sweep();
    expect(alive.fake.terminated).toBe(false);
    expect(dead.fake.terminated).toBe(true);
  });

  it('removing sockets drops every subscription, locally and on the bus', () => {
    const { hub: h, bus } = hub();
    const cs = Array.from({ length: 50 }, () => client());
    for (const [i, c] of cs.entries()) {
      h.add(c);
      h.subscribe(c, `visitor:${i}`);
      h.subscribe(c, 'site:demo:visitors');
    }
    expect(h.stats()).toEqual({ sockets: 50, topics: 51, subscriptions: 100 });
    for (const c of cs) h.remove(c);
    expect(h.stats()).toEqual({ sockets: 0, topics: 0, subscriptions: 0 });
    expect(bus.topicCount).toBe(0);
  });
});
