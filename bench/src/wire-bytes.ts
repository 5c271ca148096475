/**
 * `npm run bench -- --scenarios wire` — what a visitor's socket costs in bytes on the wire,
 * with and without permessage-deflate (issue 18, "Bytes on a shopper's phone"). Counted at
 * the client's TCP socket (`net.Socket.bytesRead`: the upgrade response plus every
 * WebSocket frame with its header — the TCP payload the phone receives; IP/TCP headers and
 * TLS records are not counted). The client offers permessage-deflate as a browser does
 * (`permessage-deflate; client_max_window_bits`); with WS_DEFLATE=off the server declines.
 *
 * (a) replay: a returning visitor whose conversation holds 200 messages (deterministic
 *     texts of 20–300 characters, every third an agent reply) reconnects with cursor 0:
 *     upgrade + `welcome` + every `history` page + `synced`.
 * (b) hour: an hour of a typical chat, without waiting an hour. A new visitor connects,
 *     writes a first message, an agent claims it; then 40 rounds, one every 90 s of the
 *     modelled hour: the visitor types (3 `typing on` to the server), sends a message (gets
 *     `ack` + its echo), the agent reads it (`read` to the visitor), types (5 `typing on`, one
 *     every 2 s, then `off`) and replies (`message`); the visitor reads the reply and, after
 *     the 25 s of silence that follow in the hour, the widget's app-level `ping` (answered by
 *     `pong`). The server's WebSocket pings (every HEARTBEAT_MS, default 25 s: 144 an hour)
 *     are not waited for: each is a 2-byte frame (unmasked, empty payload, never compressed),
 *     added by count. Whatever else the server sends (`conversation` summaries, `presence`)
 *     is counted as it arrives.
 * Each variant runs against a fresh server; one JSON line per scenario × variant.
 */
import type { Socket } from 'node:net';
import { Limits } from '@switchboard/protocol';
import WebSocket from 'ws';
import { processCpuSeconds, processRssKB } from './proc.js';
import { freshDir, ServerProcess, type ServerSpec, SWITCHBOARD_MAIN } from './servers.js';

const ORIGIN = 'http://127.0.0.1';
const TIMEOUT_MS = 20_000;
const REPLAY_MESSAGES = 200;
const HOUR_ROUNDS = 40;
const HOUR_MS = 3_600_000;
/** A server WebSocket ping: FIN+opcode byte, length byte 0 (server frames are not masked). */
const PING_FRAME_BYTES = 2;

export interface WireVariant {
  name: string;
  env: Record<string, string>;
}

const on = (threshold: number, level: number, windowBits: number, memLevel: number): WireVariant => ({
  name: `on, threshold ${threshold}, level ${level}, window ${windowBits}, memLevel ${memLevel}`,
  env: {
    WS_DEFLATE: 'on',
    WS_DEFLATE_THRESHOLD: String(threshold),
    WS_DEFLATE_LEVEL: String(level),
    WS_DEFLATE_WINDOW_BITS: String(windowBits),
    WS_DEFLATE_MEM_LEVEL: String(memLevel),
  },
});

export const WIRE_VARIANTS: readonly WireVariant[] = [
  { name: 'off', env: { WS_DEFLATE: 'off' } },
  on(1024, 1, 15, 8),
  on(1024, 6, 15, 8),
  on(1024, 1, 12, 4),
  on(1024, 6, 12, 4),
  on(1024, 1, 10, 2),
  on(0, 1, 12, 4),
];

/** Returning visitors held open after their replay, to weigh what a socket keeps (server RSS). */
const HELD_SOCKETS = 200;

export interface WireResult {
  type: 'wire';
  scenario: 'replay-200' | 'chat-hour';
  variant: string;
  /** The extension the server answered with ('' = none). */
  extension: string;
  /** Server → client TCP payload: upgrade response + frames (+ modelled pings for chat-hour). */
  bytesDown: number;
  /** Of which: the HTTP 101 response. */
  upgradeBytes: number;
  /** chat-hour: the server's WebSocket pings of the hour, added by count (bytes). */
  pingBytes: number;
  /** Client → server TCP payload (upgrade request + masked frames; the `ws` client's own choice of compression). */
  bytesUp: number;
  /** JSON bytes of the frames received (after inflating): what the bytes would be without any framing. */
  payloadBytes: number;
  frames: number;
  framesByType: Record<string, number>;
  /** JSON bytes received by frame type. */
  jsonBytesByType: Record<string, number>;
  /**
   * replay-200 only: server RSS growth per socket while HELD_SOCKETS returning visitors hold
   * their socket after the same replay (KB), and the server's CPU for those replays (ms each).
   */
  heldRssPerSocketKB?: number;
  replayCpuMs?: number;
}

// ---------------------------------------------------------------- texts

/** Small deterministic PRNG (mulberry32), so every run and variant sends the same texts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VISITOR_LINES = [
  'Hi, I ordered the blue running shoes last week and they still have not arrived.',
  'My order number is SB-20931, can you check where it is?',
  'Do you ship to Austria, and how long does it usually take?',
  'The size guide says 42 but my usual size is 43, which one should I pick?',
  'I was charged twice for the same order, could you look into it please?',
  'Is the discount code WINTER15 still valid for items already on sale?',
  'Can I change the delivery address? I will be at work on Thursday.',
  'thanks!',
  'ok',
  'The tracking link says the parcel is at the depot since Monday.',
  'Could I return the jacket if I already removed the tags?',
  'Great, that helps a lot. One more thing: do you have it in black?',
];

const AGENT_LINES = [
  'Hello! Thanks for getting in touch, let me look at your order right away.',
  'I can see the parcel left our warehouse on Tuesday; the carrier expects to deliver it tomorrow before 6 pm.',
  'Yes, we ship to Austria: standard delivery takes 3–5 working days and is free above 50 €.',
  'For that model I would go one size up; it runs a little small around the toes.',
  'I am sorry about that. I have refunded the second charge; it will show on your statement within 5 working days.',
  'You can return any item within 30 days, tags removed or not, as long as it has not been worn outside.',
  'Done, the delivery address is updated and you will get a new confirmation by email.',
  'Anything else I can help you with today?',
];

/** A text of 20–300 characters from the lines above (joined until the target length). */
function text(rand: () => number, agent: boolean): string {
  const lines = agent ? AGENT_LINES : VISITOR_LINES;
  const target = 20 + Math.floor(rand() * rand() * 281);
  let out = '';
  while (out.length < target) {
    const line = lines[Math.floor(rand() * lines.length)] ?? 'ok';
    out = out ? `${out} ${line}` : line;
  }
  if (out.length > 300) out = out.slice(0, 300);
  return out.length < 20 ? `${out} — could you help me?` : out;
}

// ---------------------------------------------------------------- clients

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Frame {
  type: string;
  [k: string]: unknown;
}

/** A socket that counts what it receives and lets the caller wait for a frame. */
class Counted {
  readonly ws: WebSocket;
  frames = 0;
  payloadBytes = 0;
  readonly byType: Record<string, number> = {};
  readonly bytesByType: Record<string, number> = {};
  upgradeBytes = 0;
  private waiters: Array<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  lastFrameAt = Date.now();

  constructor(url: string, headers: Record<string, string>) {
    // Offered like Chromium does (permessage-deflate; client_max_window_bits), and like a
    // browser every frame it sends is compressed once negotiated (no threshold).
    this.ws = new WebSocket(url, { headers, perMessageDeflate: { threshold: 0 } });
    this.ws.on('message', (data: Buffer) => {
      this.frames += 1;
      this.payloadBytes += data.length;
      this.lastFrameAt = Date.now();
      const f = JSON.parse(data.toString()) as Frame;
      this.byType[f.type] = (this.byType[f.type] ?? 0) + 1;
      this.bytesByType[f.type] = (this.bytesByType[f.type] ?? 0) + data.length;
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(f)) return true;
        w.resolve(f);
        return false;
      });
    });
  }

  get socket(): Socket {
    const s = (this.ws as unknown as { _socket?: Socket })._socket;
    if (!s) throw new Error('no socket yet');
    return s;
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        this.upgradeBytes = this.socket.bytesRead;
        resolve();
      });
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade: ${res.statusCode}`)));
    });
  }

  waitFor(pred: (f: Frame) => boolean, what: string): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${what}: timed out`)), TIMEOUT_MS);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(t);
          resolve(f);
        },
      });
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Waits until nothing has arrived for `quietMs` (frames published after a barrier). */
  async settle(quietMs = 300): Promise<void> {
    while (Date.now() - this.lastFrameAt < quietMs) await new Promise((r) => setTimeout(r, 50));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) resolve();
      else {
        this.ws.once('close', () => resolve());
        this.ws.close();
      }
    });
  }
}

async function visitor(base: string, token: string, cursors: Record<string, number>): Promise<Counted> {
  const c = new Counted(`${base.replace(/^http/, 'ws')}/ws/visitor?token=${encodeURIComponent(token)}`, {
    Origin: ORIGIN,
  });
  await c.opened();
  const synced = c.waitFor((f) => f.type === 'synced', 'visitor synced');
  c.send({ type: 'hello', v: 1, cursors });
  await synced;
  return c;
}

async function agent(base: string): Promise<Counted> {
  const { token } = (await postJson(`${base}/api/auth/login`, {
    email: 'ana@demo.test',
    password: 'demo1234',
  })) as { token: string };
  const c = new Counted(`${base.replace(/^http/, 'ws')}/ws/agent?token=${encodeURIComponent(token)}`, {});
  await c.opened();
  const synced = c.waitFor((f) => f.type === 'synced', 'agent synced');
  c.send({ type: 'hello', v: 1 });
  await synced;
  return c;
}

let cidN = 0;
const cid = (): string => `w${++cidN}`;

/** Sends and waits for the ack (and, for the visitor, its echo). Returns the message's seq. */
async function say(c: Counted, frame: Frame, what: string): Promise<{ seq: number; conversationId: string }> {
  const id = cid();
  const ack = c.waitFor((f) => f.type === 'ack' && f.cid === id, what);
  c.send({ ...frame, cid: id });
  const a = await ack;
  if (typeof a.seq !== 'number' || typeof a.conversationId !== 'string') throw new Error(`${what}: no seq`);
  return { seq: a.seq, conversationId: a.conversationId };
}

/** A visitor's first message (creates the conversation) and the agent's claim. */
async function openConversation(
  base: string,
  v: Counted,
  rand: () => number,
): Promise<{ a: Counted; id: string }> {
  const echo = v.waitFor((f) => f.type === 'message', 'first echo');
  const first = await say(v, { type: 'send', text: text(rand, false) }, 'first message');
  await echo;
  const a = await agent(base);
  const id = cid();
  const claimed = a.waitFor((f) => f.type === 'ack' && f.cid === id, 'claim');
  a.send({ type: 'claim', cid: id, conversationId: first.conversationId });
  await claimed;
  return { a, id: first.conversationId };
}

function result(
  scenario: WireResult['scenario'],
  variant: string,
  c: Counted,
  pingBytes: number,
): WireResult {
  return {
    type: 'wire',
    scenario,
    variant,
    extension: String(c.ws.extensions),
    bytesDown: c.socket.bytesRead + pingBytes,
    upgradeBytes: c.upgradeBytes,
    pingBytes,
    bytesUp: c.socket.bytesWritten,
    payloadBytes: c.payloadBytes,
    frames: c.frames,
    framesByType: { ...c.byType },
    jsonBytesByType: { ...c.bytesByType },
  };
}

async function replay(server: ServerProcess, variant: string): Promise<WireResult> {
  const base = server.url;
  const rand = prng(18);
  const { token } = (await postJson(`${base}/api/visitor/session`, { site: 'demo' }, { origin: ORIGIN })) as {
    token: string;
  };
  const v = await visitor(base, token, {});
  const { a, id } = await openConversation(base, v, rand);
  // 199 more: every third an agent reply (the first message was the visitor's).
  for (let i = 1; i < REPLAY_MESSAGES; i++) {
    if (i % 3 === 2) await say(a, { type: 'send', conversationId: id, text: text(rand, true) }, `reply ${i}`);
    else await say(v, { type: 'send', conversationId: id, text: text(rand, false) }, `message ${i}`);
  }
  await v.close();
  await a.close();
  const back = await visitor(base, token, { [id]: 0 });
  const r = result('replay-200', variant, back, 0);
  const pages = r.framesByType.history ?? 0;
  await back.close();
  if (pages === 0) throw new Error('replay: no history page');
  // The same replay to many sockets, held open: what each keeps on the server.
  await new Promise((res) => setTimeout(res, 500));
  const rss0 = processRssKB(server.pid);
  const cpu0 = processCpuSeconds(server.pid);
  const held: Counted[] = [];
  for (let i = 0; i < HELD_SOCKETS; i++) held.push(await visitor(base, token, { [id]: 0 }));
  const cpu1 = processCpuSeconds(server.pid);
  await new Promise((res) => setTimeout(res, 1000));
  r.heldRssPerSocketKB = Math.round(((processRssKB(server.pid) - rss0) / HELD_SOCKETS) * 10) / 10;
  r.replayCpuMs = Math.round(((cpu1 - cpu0) / HELD_SOCKETS) * 1000 * 100) / 100;
  for (const c of held) await c.close();
  return r;
}

async function chatHour(base: string, variant: string, heartbeatMs: number): Promise<WireResult> {
  const rand = prng(1800);
  const { token } = (await postJson(`${base}/api/visitor/session`, { site: 'demo' }, { origin: ORIGIN })) as {
    token: string;
  };
  const v = await visitor(base, token, {});
  const { a, id } = await openConversation(base, v, rand);
  for (let round = 0; round < HOUR_ROUNDS; round++) {
    for (let t = 0; t < 3; t++) v.send({ type: 'typing', conversationId: id, on: true });
    const echo = v.waitFor((f) => f.type === 'message', `echo ${round}`);
    const mine = await say(
      v,
      { type: 'send', conversationId: id, text: text(rand, false) },
      `message ${round}`,
    );
    await echo;
    const read = v.waitFor((f) => f.type === 'read', `read ${round}`);
    a.send({ type: 'read', conversationId: id, seq: mine.seq });
    await read;
    for (let t = 0; t < 5; t++) a.send({ type: 'typing', conversationId: id, on: true });
    a.send({ type: 'typing', conversationId: id, on: false });
    const reply = v.waitFor(
      (f) => f.type === 'message' && (f.message as { author?: { kind?: string } }).author?.kind === 'agent',
      `reply ${round}`,
    );
    await say(a, { type: 'send', conversationId: id, text: text(rand, true) }, `reply ${round}`);
    const got = await reply;
    v.send({ type: 'read', conversationId: id, seq: (got.message as { seq: number }).seq });
    const pong = v.waitFor((f) => f.type === 'pong', `pong ${round}`);
    v.send({ type: 'ping' });
    await pong;
  }
  await v.settle();
  const r = result('chat-hour', variant, v, Math.floor(HOUR_MS / heartbeatMs) * PING_FRAME_BYTES);
  await v.close();
  await a.close();
  return r;
}

// ---------------------------------------------------------------- run

const LIMITS_OFF: Record<string, string> = {
  SESSION_RATE_PER_MIN: '0',
  SITE_NEW_CONVERSATIONS_PER_MIN: '0',
  LOGIN_RATE_PER_MIN: '0',
  UPGRADE_BURST: '0',
  MAX_SOCKETS_PER_ADDRESS: '0',
  ADDRESS_RATE_BURST: '0',
  MAX_SOCKETS_PER_VISITOR: '0',
  // 200 messages in a few seconds from one socket: the per-socket buckets would refuse them.
  RATE_BURST: '1000000',
  RATE_REFILL_PER_SEC: '1000000',
  CONTROL_RATE_BURST: '1000000',
  CONTROL_RATE_REFILL_PER_SEC: '1000000',
};

/** Runs (a) and (b) for every variant, each on a fresh server; `line` gets each result. */
export async function runWire(line: (r: WireResult) => void, core: number | null): Promise<WireResult[]> {
  const out: WireResult[] = [];
  const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? Limits.heartbeatIntervalMs);
  for (const variant of WIRE_VARIANTS) {
    const spec: ServerSpec = {
      kind: 'switchboard',
      label: `Switchboard (${variant.name})`,
      script: SWITCHBOARD_MAIN,
      dataDir: () => freshDir('sb-wire-'),
      env: { SEED: '1', SEED_HISTORY: '0', ...LIMITS_OFF, ...variant.env },
    };
    const server = new ServerProcess(spec, core, spec.dataDir());
    try {
      await server.start();
      for (const r of [
        await replay(server, variant.name),
        await chatHour(server.url, variant.name, heartbeatMs),
      ]) {
        out.push(r);
        line(r);
      }
    } finally {
      await server.stop('SIGTERM');
      server.dispose();
    }
  }
  return out;
}

/** A table of the results: bytes per variant, and the ratio to `off`. */
export function wireTable(results: WireResult[]): string {
  const rows = [
    '| scenario | variant | extension | bytes down | upgrade | frames | JSON bytes | bytes up | down vs off |',
  ];
  rows.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const off = results.find((x) => x.scenario === r.scenario && x.variant === 'off');
    const ratio = off ? (r.bytesDown / off.bytesDown).toFixed(3) : 'n/a';
    rows.push(
      `| ${r.scenario} | ${r.variant} | ${r.extension || 'none'} | ${r.bytesDown} | ${r.upgradeBytes} | ${r.frames} | ${r.payloadBytes} | ${r.bytesUp} | ${ratio} | ${r.heldRssPerSocketKB ?? ''} | ${r.replayCpuMs ?? ''} |`,
    );
  }
  return rows.join('\n');
}
