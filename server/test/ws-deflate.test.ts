/**
 * Issue 18, "Bytes on a shopper's phone": permessage-deflate on the WebSocket endpoints.
 * Real server, real `ws` clients; frames are read off the client's TCP socket, so whether a
 * frame was compressed is its RSV1 bit on the wire. With WS_DEFLATE on, a client that offers
 * the extension gets it, a history replay arrives compressed and intact, small frames stay
 * uncompressed (their wire size is header + JSON), and the server keeps no zlib stream per
 * socket once a frame is done; a client that offers nothing, or a server with it off,
 * negotiates nothing.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ConfigOverrides, loadConfig } from '../src/config.js';
import { holdsZlib } from '../src/ws/deflate.js';
import { listen, ORIGIN, testApp, visitorSession, waitUntil } from './helpers.js';

let disposeApp: (() => Promise<void>) | null = null;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await disposeApp?.();
  disposeApp = null;
});

async function start(wsDeflate: ConfigOverrides['wsDeflate'], heartbeatMs = 25_000) {
  const t = await testApp({ wsDeflate, limits: { addressRateBurst: 0, rateBurst: 1000, heartbeatMs } });
  disposeApp = t.dispose;
  return { app: t.app, host: await listen(t.app) };
}

/** One frame as it crossed the wire (server → client frames are not masked). */
interface WireFrame {
  rsv1: boolean;
  opcode: number;
  /** Header + payload bytes. */
  wireBytes: number;
}

/** Splits the bytes the client's TCP socket reads into WebSocket frames. */
function frameReader(socket: Socket): WireFrame[] {
  const frames: WireFrame[] = [];
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const b0 = buf[0] ?? 0;
      const b1 = buf[1] ?? 0;
      let len = b1 & 0x7f;
      let header = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        header = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        header = 10;
      }
      if (buf.length < header + len) return;
      frames.push({ rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, wireBytes: header + len });
      buf = buf.subarray(header + len);
    }
  });
  return frames;
}

interface Probe {
  ws: WebSocket;
  wire: WireFrame[];
  /** Text frames as parsed JSON, in order. */
  frames: Array<{ type: string; [k: string]: unknown }>;
  next(type: string): Promise<{ type: string; [k: string]: unknown }>;
}

/** A visitor socket; `offer`: permessage-deflate options as the `ws` client takes them. */
async function visitor(host: string, token: string, offer: WebSocket.ClientOptions['perMessageDeflate']) {
  const ws = new WebSocket(`ws://${host}/ws/visitor`, ['switchboard', token], {
    origin: ORIGIN,
    perMessageDeflate: offer,
  });
  sockets.push(ws);
  let wire: WireFrame[] = [];
  ws.once('upgrade', (res) => {
    wire = frameReader(res.socket as Socket);
  });
  const frames: Probe['frames'] = [];
  const waiters: Array<{ type: string; resolve: (f: Probe['frames'][number]) => void }> = [];
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Probe['frames'][number];
    frames.push(f);
    const i = waiters.findIndex((w) => w.type === f.type);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(f);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const probe: Probe = {
    ws,
    get wire() {
      return wire;
    },
    frames,
    next: (type) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${type} frame`)), 5000);
        waiters.push({
          type,
          resolve: (f) => {
            clearTimeout(t);
            resolve(f);
          },
        });
      }),
  };
  return probe;
}

/** A conversation of `n` visitor messages of ~300 characters, stored directly. */
async function conversation(app: FastifyInstance, n: number) {
  const s = await visitorSession(app);
  const conv = await app.storage.createConversation({
    siteId: 'demo',
    visitorId: s.visitorId,
    department: null,
    status: 'queued',
    at: Date.now(),
  });
  const batch = [];
  for (let j = 1; j <= n; j++) {
    batch.push({
      conversationId: conv.id,
      sender: `v:${s.visitorId}`,
      cid: `c${j}`,
      text: `message ${j}: my parcel has not arrived yet, the tracking page says it is at the depot. `.repeat(
        4,
      ),
      author: { kind: 'visitor' as const, id: s.visitorId, name: 'Visitor' },
      at: Date.now(),
    });
  }
  await app.storage.appendMessages(batch);
  return { ...s, conversationId: conv.id };
}

/** hello with a cursor of 0: the whole conversation replayed, then `synced`. */
async function replay(p: Probe, conversationId: string): Promise<number[]> {
  const synced = p.next('synced');
  p.ws.send(JSON.stringify({ type: 'hello', v: 1, cursors: { [conversationId]: 0 } }));
  await synced;
  const seqs: number[] = [];
  for (const f of p.frames) {
    if (f.type !== 'history') continue;
    for (const m of f.messages as Array<{ seq: number; text: string }>) {
      if (m.text !== 'thanks!') expect(m.text.startsWith(`message ${m.seq}: `)).toBe(true);
      seqs.push(m.seq);
    }
  }
  return seqs;
}

const ALL = Array.from({ length: 200 }, (_, i) => i + 1);
const TEXT = 1;

/** The server side of every open visitor socket. */
function serverSockets(app: FastifyInstance): WebSocket[] {
  return [...app.websocketServer.clients];
}

describe('permessage-deflate on (WS_DEFLATE=on)', () => {
  it('is negotiated with a client that offers it; a replay arrives compressed and whole, small frames uncompressed', async () => {
    const { app, host } = await start({ enabled: true, threshold: 1024 });
    const c = await conversation(app, 200);
    const p = await visitor(host, c.token, true);
    expect(p.ws.extensions).toBe('permessage-deflate');
    expect(await replay(p, c.conversationId)).toEqual(ALL);

    const text = p.wire.filter((f) => f.opcode === TEXT);
    const types = p.frames.map((f) => f.type);
    expect(text.length).toBe(types.length);
    const json = p.frames.map((f) => Buffer.byteLength(JSON.stringify(f)));
    const history = types.flatMap((t, i) => (t === 'history' ? [i] : []));
    expect(history.length).toBeGreaterThan(1);
    for (const i of history) {
      expect(text[i]?.rsv1).toBe(true);
      expect(text[i]?.wireBytes ?? 0).toBeLessThan((json[i] ?? 0) / 2);
    }
    // `synced` is far below the threshold: sent as it is, header + JSON.
    const s = types.indexOf('synced');
    expect(text[s]?.rsv1).toBe(false);
    expect(text[s]?.wireBytes).toBe(2 + (json[s] ?? 0));

    // A small live frame: `pong` to an app-level `ping`, uncompressed.
    const before = p.wire.length;
    const pong = p.next('pong');
    p.ws.send(JSON.stringify({ type: 'ping' }));
    await pong;
    await waitUntil(() => p.wire.length > before, 2000, 'pong on the wire');
    const last = p.wire.at(-1);
    expect(last?.rsv1).toBe(false);
    expect(last?.wireBytes).toBe(2 + Buffer.byteLength('{"type":"pong"}'));
  });

  it('keeps no zlib stream on the server socket once idle, in either direction', async () => {
    // A heartbeat sweep every 100 ms: it frees the inflate stream of a socket that sent something.
    const { app, host } = await start({ enabled: true, threshold: 1024 }, 100);
    const c = await conversation(app, 60);
    // Like a browser: every frame it sends is compressed (threshold 0).
    const p = await visitor(host, c.token, { threshold: 0 });
    const [server] = serverSockets(app);
    if (!server) throw new Error('no server socket');
    // The ws internals ws/deflate.ts frees (a rename in ws must fail here, not pass silently).
    const pmd = (server as unknown as { _extensions: Record<string, object> })._extensions[
      'permessage-deflate'
    ];
    expect(pmd).toBeDefined();
    expect(Object.keys(pmd ?? {})).toEqual(expect.arrayContaining(['_inflate', '_deflate']));
    const internals = server as unknown as {
      _sender: { _state: unknown };
      _receiver: { _state: unknown; _fragmented: unknown };
    };
    expect(typeof internals._sender._state).toBe('number');
    expect(typeof internals._receiver._state).toBe('number');
    expect(typeof internals._receiver._fragmented).toBe('number');

    await replay(p, c.conversationId);
    expect(p.wire.some((f) => f.rsv1)).toBe(true);
    // The last page's send callback ran when it left: its deflate stream is gone.
    await waitUntil(() => !holdsZlib(server).deflate, 2000, 'deflate stream freed');
    // A compressed frame from the client is read (acked); its inflate stream is freed by the sweep.
    const ack = p.next('ack');
    p.ws.send(JSON.stringify({ type: 'send', cid: 'z1', conversationId: c.conversationId, text: 'thanks!' }));
    expect((await ack).cid).toBe('z1');
    await waitUntil(() => !holdsZlib(server).inflate, 2000, 'inflate stream freed');
    expect(holdsZlib(server)).toEqual({ inflate: false, deflate: false });
    // Still connected after the sweeps (it answered their pings), and frames still flow.
    const pong = p.next('pong');
    p.ws.send(JSON.stringify({ type: 'ping' }));
    await pong;
    // And the next compressed frame in each direction still works (fresh streams).
    const again = await visitor(host, c.token, { threshold: 0 });
    expect(await replay(again, c.conversationId)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
  });

  it('works with a client that offers nothing: nothing negotiated, nothing compressed', async () => {
    const { app, host } = await start({ enabled: true, threshold: 1024 });
    const c = await conversation(app, 200);
    const p = await visitor(host, c.token, false);
    expect(p.ws.extensions).toBe('');
    expect(await replay(p, c.conversationId)).toEqual(ALL);
    expect(p.wire.some((f) => f.rsv1)).toBe(false);
  });
});

describe('permessage-deflate off (WS_DEFLATE=off)', () => {
  it('negotiates nothing with a client that offers it', async () => {
    const { app, host } = await start({ enabled: false });
    const c = await conversation(app, 200);
    const p = await visitor(host, c.token, true);
    expect(p.ws.extensions).toBe('');
    expect(await replay(p, c.conversationId)).toEqual(ALL);
    expect(p.wire.some((f) => f.rsv1)).toBe(false);
  });
});

describe('WS_DEFLATE configuration', () => {
  it('is off by default; on: a 1 KiB threshold, level 1 and at most 10 zlib jobs at once', () => {
    expect(loadConfig({}).wsDeflate).toEqual({
      enabled: false,
      threshold: 1024,
      level: 1,
      concurrency: 10,
      windowBits: 15,
      memLevel: 8,
    });
    expect(loadConfig({ WS_DEFLATE: 'on' }).wsDeflate.enabled).toBe(true);
    expect(loadConfig({ WS_DEFLATE: 'off' }).wsDeflate.enabled).toBe(false);
    expect(loadConfig({ WS_DEFLATE: 'ON', WS_DEFLATE_THRESHOLD: '0' }).wsDeflate).toMatchObject({
      enabled: true,
      threshold: 0,
    });
  });

  it('refuses a bad value with a clear error', () => {
    expect(() => loadConfig({ WS_DEFLATE: 'maybe' })).toThrow('WS_DEFLATE must be on or off, got "maybe"');
    expect(() => loadConfig({ WS_DEFLATE_THRESHOLD: '-1' })).toThrow(
      /WS_DEFLATE_THRESHOLD must be an integer/,
    );
    expect(() => loadConfig({ WS_DEFLATE_LEVEL: '12' })).toThrow(
      'WS_DEFLATE_LEVEL must be an integer from 1 to 9, got "12"',
    );
    expect(() => loadConfig({ WS_DEFLATE_WINDOW_BITS: '8' })).toThrow(/WS_DEFLATE_WINDOW_BITS/);
    expect(() => loadConfig({ WS_DEFLATE_CONCURRENCY: '0' })).toThrow(/WS_DEFLATE_CONCURRENCY/);
  });
});
