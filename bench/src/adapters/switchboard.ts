/**
 * Adapter for the Switchboard gateway, speaking protocol v1 (docs/protocol.md):
 * visitor: POST /api/visitor/session (with Origin) → ws /ws/visitor?token → hello → synced →
 * send {cid, text} → ack + own `message`; agent: POST /api/auth/login → ws /ws/agent → hello →
 * claim {cid, conversationId} → `message` frames of claimed conversations.
 * Both sides deduplicate by seq as the protocol asks; visitors keep unacked messages in an
 * outbox and resend them with their original cid after every reconnect (full-jitter backoff
 * from `backoffDelay`), so the storm scenario checks "no loss, no duplicates" end to end.
 */

import http from 'node:http';
import type { AckFrame, ErrorFrame, HistoryFrame, Message, MessageFrame } from '@switchboard/protocol';
import { backoffDelay, PROTOCOL_VERSION } from '@switchboard/protocol';
import WebSocket from 'ws';
import {
  type Adapter,
  type AdapterOptions,
  type AgentClient,
  type VisitorClient,
  withTimeout,
} from './types.js';

const ORIGIN = 'http://127.0.0.1';
const TIMEOUT_MS = 30_000;
const AGENT_PASSWORD = 'demo1234';

/** Frame types the generator never needs to parse (the server sends many of them to agents). */
const IGNORED = new Set(['conversation', 'visitor', 'presence', 'typing', 'read', 'pong', 'welcome']);
const PREFIX = Buffer.from('{"type":"');

/** Reads `type` cheaply when the frame starts with {"type":"…" (else null: parse to find out). */
function peekType(buf: Buffer): string | null {
  if (buf.length < PREFIX.length + 2 || buf.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0)
    return null;
  const end = buf.indexOf(0x22, PREFIX.length);
  if (end < 0 || end - PREFIX.length > 24) return null;
  return buf.toString('latin1', PREFIX.length, end);
}

type Incoming = MessageFrame | HistoryFrame | AckFrame | ErrorFrame | { type: 'synced' } | { type: string };

/** Frames received by type (all sockets of this process): the server's fan-out per message. */
const received = new Map<string, number>();

function parse(buf: Buffer): Incoming | null {
  const t = peekType(buf);
  received.set(t ?? '?', (received.get(t ?? '?') ?? 0) + 1);
  if (t !== null && IGNORED.has(t)) return null;
  try {
    return JSON.parse(buf.toString()) as Incoming;
  } catch {
    return null;
  }
}

export interface SwitchboardAgentAccount {
  email: string;
  password: string;
}

/** Agent accounts: the bench seeds bench-agent-NN@demo.test (see main.ts); else the demo ones, shared. */
export function agentAccounts(count: number, seeded: number): SwitchboardAgentAccount[] {
  const demo = ['ana@demo.test', 'ben@demo.test'];
  const out: SwitchboardAgentAccount[] = [];
  for (let a = 0; a < count; a++) {
    const email =
      a < seeded
        ? `bench-agent-${String(a).padStart(2, '0')}@demo.test`
        : (demo[a % demo.length] ?? 'ana@demo.test');
    out.push({ email, password: AGENT_PASSWORD });
  }
  return out;
}

/**
 * The session and login requests go through `node:http` with a keep-alive agent, not
 * `fetch`: in the connect phase of `idle` the one generator core was the bottleneck for
 * every server (~1 core), and undici's `fetch` cost the generator more per request than the
 * rest of a Switchboard join — so the connect rate measured the client, not the server.
 */
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: httpAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`POST ${url}: ${res.statusCode} ${text}`));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A reconnecting socket: hello with cursors on open, backoff on close. */
class Conn {
  ws: WebSocket | null = null;
  synced = false;
  private attempt = 0;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: () => string,
    private readonly headers: Record<string, string>,
    private readonly opts: AdapterOptions & { offerDeflate?: boolean | undefined },
    private readonly cursors: () => Record<string, number>,
    private readonly onFrame: (f: Incoming) => void,
    private readonly onSynced: () => void,
    private readonly onDown: () => void,
  ) {}

  open(): void {
    if (this.closed) return;
    this.opts.sink.attempt();
    // `--ws-deflate`: permessage-deflate offered as a browser does (and, like a browser, every
    // frame sent compressed once it is negotiated: no threshold); the server decides.
    const ws = new WebSocket(this.url(), {
      headers: this.headers,
      perMessageDeflate: this.opts.offerDeflate === true ? { threshold: 0 } : false,
    });
    this.ws = ws;
    this.synced = false;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, cursors: this.cursors() }));
    });
    ws.on('message', (data: Buffer) => {
      const f = parse(data);
      if (!f) return;
      if (f.type === 'synced') {
        this.synced = true;
        this.attempt = 0;
        this.onSynced();
        return;
      }
      this.onFrame(f);
    });
    ws.on('unexpected-response', (_req, res) => {
      this.opts.sink.error(`http ${res.statusCode ?? 0}`);
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number) => {
      if (this.ws !== ws) return;
      // Close codes end up in the scenario's `errors` (e.g. "close 4413" = SlowConsumer).
      this.opts.sink.error(`close ${code}`);
      this.synced = false;
      this.onDown();
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.closed || !this.opts.reconnect) return;
    const delay = backoffDelay(this.attempt++);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }

  send(data: string): void {
    if (this.synced && this.ws?.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.terminate();
  }
}

export function switchboardAdapter(
  opts: AdapterOptions & { seededAgents: number; offerDeflate?: boolean | undefined },
): Adapter {
  const base = opts.url;
  const wsBase = base.replace(/^http/, 'ws');
  // Two nodes: agents on node B, visitors on node A (base).
  const agentBase = opts.agentUrl ?? base;
  const agentWsBase = agentBase.replace(/^http/, 'ws');
  const conns: Conn[] = [];
  const agentTokens: string[] = [];
  const agentConn: Conn[] = [];
  const agentCommands: Array<Map<string, { resolve: () => void; reject: (e: Error) => void }>> = [];
  /** agent → (conversation it holds → highest seq held). */
  const agentLastSeq: Array<Map<string, number>> = [];
  /** visitor → its conversation id (from the ack of its first message). */
  const conversationOf: string[] = [];
  let cmdCounter = 0;

  function waitSynced(conn: Conn, what: string): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (conn.synced) {
            clearInterval(check);
            resolve();
          } else if (conn.ws && conn.ws.readyState === WebSocket.CLOSED && !opts.reconnect) {
            clearInterval(check);
            reject(new Error(`${what}: socket closed before synced`));
          }
        }, 5);
      }),
      TIMEOUT_MS,
      what,
    );
  }

  return {
    async setup(agents) {
      const accounts = agentAccounts(agents, opts.seededAgents);
      for (const acc of accounts) {
        const body = (await postJson(`${agentBase}/api/auth/login`, acc)) as { token: string };
        agentTokens.push(body.token);
      }
    },

    async connectAgent(a) {
      const token = agentTokens[a];
      if (!token) throw new Error(`agent ${a}: no token`);
      const lastSeq = new Map<string, number>();
      agentLastSeq[a] = lastSeq;
      const commands = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
      agentCommands[a] = commands;
      const onMessage = (m: Message): void => {
        const last = lastSeq.get(m.conversationId);
        if (last === undefined || m.seq <= last) return; // not ours, or already held
        lastSeq.set(m.conversationId, m.seq);
        if (m.author.kind === 'visitor') opts.sink.agentMessage(a, m.text);
      };
      const conn = new Conn(
        () => `${agentWsBase}/ws/agent?token=${encodeURIComponent(token)}`,
        {},
        opts,
        () => Object.fromEntries(lastSeq),
        (f) => {
          switch (f.type) {
            case 'message':
              onMessage((f as MessageFrame).message);
              break;
            case 'history':
              for (const m of (f as HistoryFrame).messages) onMessage(m);
              break;
            case 'ack': {
              const ack = f as AckFrame;
              const w = commands.get(ack.cid);
              if (w) {
                commands.delete(ack.cid);
                w.resolve();
              }
              break;
            }
            case 'error': {
              const e = f as ErrorFrame;
              opts.sink.error(e.code);
              const w = e.cid ? commands.get(e.cid) : undefined;
              if (w && e.cid) {
                commands.delete(e.cid);
                w.reject(new Error(`${e.code}: ${e.message}`));
              }
              break;
            }
            default:
              break;
          }
        },
        () => undefined,
        () => undefined,
      );
      agentConn[a] = conn;
      conns.push(conn);
      conn.open();
      await waitSynced(conn, `agent ${a}`);
      const client: AgentClient = {
        reply(visitor, text) {
          const conversationId = conversationOf[visitor];
          if (!conversationId) return;
          cmdCounter += 1;
          conn.send(JSON.stringify({ type: 'send', cid: `r${cmdCounter}`, conversationId, text }));
        },
        get ready() {
          return conn.synced;
        },
        close() {
          conn.close();
        },
      };
      return client;
    },

    async connectVisitor(v) {
      const session = (await postJson(
        `${base}/api/visitor/session`,
        { site: 'demo' },
        { origin: ORIGIN },
      )) as {
        token: string;
      };
      const token = session.token;
      let lastSeq = 0;
      /** cid → frame, in send order; resent after every `synced`. */
      const outbox = new Map<string, string>();
      let joinResolve: (() => void) | null = null;
      let joinReject: ((e: Error) => void) | null = null;
      const onMessage = (m: Message): void => {
        if (m.seq <= lastSeq) return;
        lastSeq = m.seq;
        if (m.author.kind === 'visitor') opts.sink.visitorEcho(v, m.text);
        else if (m.author.kind === 'agent') opts.sink.visitorReply(v, m.text);
      };
      const conn: Conn = new Conn(
        () => `${wsBase}/ws/visitor?token=${encodeURIComponent(token)}`,
        { Origin: ORIGIN },
        opts,
        () => {
          const id = conversationOf[v];
          return id ? { [id]: lastSeq } : {};
        },
        (f) => {
          switch (f.type) {
            case 'message':
              onMessage((f as MessageFrame).message);
              break;
            case 'history':
              for (const m of (f as HistoryFrame).messages) onMessage(m);
              break;
            case 'ack': {
              const ack = f as AckFrame;
              outbox.delete(ack.cid);
              if (ack.cid === 'join' && ack.conversationId) {
                conversationOf[v] = ack.conversationId;
                joinResolve?.();
              }
              break;
            }
            case 'error': {
              const e = f as ErrorFrame;
              opts.sink.error(e.code);
              if (e.cid) {
                // Refused: nothing stored; the message is lost unless resent by the caller.
                outbox.delete(e.cid);
                if (e.cid === 'join') joinReject?.(new Error(`${e.code}: ${e.message}`));
              }
              break;
            }
            default:
              break;
          }
        },
        () => {
          for (const frame of outbox.values()) conn.send(frame);
        },
        () => undefined,
      );
      conns.push(conn);
      conn.open();
      await waitSynced(conn, `visitor ${v}`);
      const joinFrame = JSON.stringify({ type: 'send', cid: 'join', text: `join ${v}` });
      const joined = withTimeout(
        new Promise<void>((resolve, reject) => {
          joinResolve = resolve;
          joinReject = reject;
        }),
        TIMEOUT_MS,
        `visitor ${v} join`,
      );
      outbox.set('join', joinFrame);
      conn.send(joinFrame);
      await joined;
      const client: VisitorClient = {
        send(text, n) {
          const cid = String(n);
          const frame = JSON.stringify({ type: 'send', cid, conversationId: conversationOf[v], text });
          outbox.set(cid, frame);
          conn.send(frame);
        },
        get ready() {
          return conn.synced;
        },
        get pending() {
          return outbox.size;
        },
        close() {
          conn.close();
        },
      };
      return client;
    },

    async assign(visitor, agent) {
      const conn = agentConn[agent];
      const commands = agentCommands[agent];
      const held = agentLastSeq[agent];
      const conversationId = conversationOf[visitor];
      if (!conn || !commands || !held || !conversationId)
        throw new Error(`assign ${visitor} → ${agent}: not ready`);
      // Tracked from the claim on (0 = "ours, nothing held yet"): the `joined` line may beat the ack.
      if (!held.has(conversationId)) held.set(conversationId, 0);
      cmdCounter += 1;
      const cid = `claim${cmdCounter}`;
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          commands.set(cid, { resolve, reject });
          conn.send(JSON.stringify({ type: 'claim', cid, conversationId }));
        }),
        TIMEOUT_MS,
        `claim ${conversationId}`,
      );
    },

    frameCounts() {
      return Object.fromEntries(received);
    },

    close() {
      for (const c of conns) c.close();
      conns.length = 0;
      httpAgent.destroy();
    },
  };
}
