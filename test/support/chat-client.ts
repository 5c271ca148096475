/**
 * A Node client of the Switchboard protocol for integration and chaos tests: it keeps an
 * outbox of unacked messages (resent with the same cid after every reconnect), resumes
 * with per-conversation cursors, and records every protocol violation it sees (gaps,
 * a seq held with two different messages, a message after `synced` that breaks order).
 */
import type {
  AckFrame,
  ConversationSummary,
  ErrorFrame,
  HistoryFrame,
  Message,
  ServerFrame,
} from '@switchboard/protocol';
import { backoffDelay, ErrorCode, PROTOCOL_VERSION } from '@switchboard/protocol';
import WebSocket from 'ws';

export type Role = 'visitor' | 'agent';

interface Pending {
  cid: string;
  frame: Record<string, unknown>;
}

export interface ClientOptions {
  /** The server, or a function picking one for each (re)connect (several nodes). */
  baseUrl: string | (() => string);
  role: Role;
  /** Returns a fresh token (called on first connect and after 4401). */
  getToken: () => Promise<string>;
  origin?: string;
  /** Reconnect backoff base and cap for tests. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

/** Refusals after which the same cid is sent again later (see docs/protocol.md). */
const TRANSIENT = new Set<string>([
  ErrorCode.RateLimited,
  ErrorCode.Internal,
  ErrorCode.Unavailable,
  ErrorCode.NotReady,
]);

let cidCounter = 0;
export function newCid(prefix: string): string {
  cidCounter += 1;
  return `${prefix}-${process.pid}-${cidCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

export class ChatClient {
  /** conversationId → messages in seq order (index = seq - 1). */
  readonly transcripts = new Map<string, Message[]>();
  /** Messages that arrived ahead of a gap (e.g. live traffic before the `open` history); drained in order. */
  private readonly ahead = new Map<string, Map<number, Message>>();
  readonly conversations = new Map<string, ConversationSummary>();
  readonly violations: string[] = [];
  readonly errors: ErrorFrame[] = [];
  /** cid → stored seq, for every ack received. */
  readonly acks = new Map<string, AckFrame>();
  connects = 0;
  private outbox: Pending[] = [];
  private ws: WebSocket | null = null;
  private token: string | null = null;
  private attempt = 0;
  private closedForGood = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private synced = false;
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  private commandWaiters = new Map<
    string,
    { resolve: (f: AckFrame) => void; reject: (e: ErrorFrame) => void }
  >();

  constructor(private readonly opts: ClientOptions) {}

  get isSynced(): boolean {
    return this.synced && this.ws?.readyState === WebSocket.OPEN;
  }

  get pending(): number {
    return this.outbox.length;
  }

  async connect(): Promise<void> {
    this.token ??= await this.opts.getToken();
    this.open();
    await this.until(() => this.isSynced);
  }

  /** Drops the socket abruptly (like a phone losing its network); the client reconnects. */
  drop(): void {
    this.ws?.terminate();
  }

  close(): void {
    this.closedForGood = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.ws?.terminate();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Queues a message; it is sent now if connected and resent after every reconnect until acked. */
  send(text: string, conversationId?: string): string {
    const cid = newCid(this.opts.role[0] ?? 'x');
    const frame: Record<string, unknown> = { type: 'send', cid, text };
    if (conversationId) frame.conversationId = conversationId;
    this.outbox.push({ cid, frame });
    if (this.isSynced) this.ws?.send(JSON.stringify(frame));
    return cid;
  }

  /** Sends a command frame (claim, close, transfer …) and resolves on its ack, rejects on its error. */
  command(frame: Record<string, unknown> & { type: string }): Promise<AckFrame> {
    const cid = newCid('cmd');
    return new Promise((resolve, reject) => {
      this.commandWaiters.set(cid, { resolve, reject });
      this.ws?.send(JSON.stringify({ ...frame, cid }));
    });
  }

  raw(data: string): void {
    this.ws?.send(data);
  }

  transcript(conversationId: string): Message[] {
    return this.transcripts.get(conversationId) ?? [];
  }

  lastSeq(conversationId: string): number {
    return this.transcript(conversationId).length;
  }

  /** Resolves when `test()` holds (checked after every frame and connection change). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.test());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  private open(): void {
    if (this.closedForGood) return;
    const wsUrl = `${pick(this.opts.baseUrl).replace(/^http/, 'ws')}/ws/${this.opts.role}?token=${encodeURIComponent(this.token ?? '')}`;
    const ws = new WebSocket(wsUrl, { headers: this.opts.origin ? { Origin: this.opts.origin } : {} });
    this.ws = ws;
    this.synced = false;
    ws.on('open', () => {
      this.attempt = 0;
      this.connects += 1;
      const cursors: Record<string, number> = {};
      for (const [id, list] of this.transcripts) cursors[id] = list.length;
      ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, cursors }));
    });
    ws.on('message', (data) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(data)) as ServerFrame;
      } catch {
        this.violations.push(`unparsable frame: ${String(data).slice(0, 80)}`);
        return;
      }
      this.onFrame(frame);
      this.check();
    });
    ws.on('error', () => {
      // 'close' follows and schedules the reconnect.
    });
    ws.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) this.token = null;
    });
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.synced = false;
      for (const [cid, w] of this.commandWaiters) {
        w.reject({ type: 'error', code: 'DISCONNECTED', message: 'socket closed', cid });
      }
      this.commandWaiters.clear();
      if (code === 4401) this.token = null;
      this.check();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closedForGood) return;
    const delay = backoffDelay(
      this.attempt++,
      Math.random,
      this.opts.backoffBaseMs ?? 50,
      this.opts.backoffCapMs ?? 1000,
    );
    this.reconnectTimer = setTimeout(async () => {
      this.reconnectTimer = null;
      if (this.closedForGood) return;
      try {
        this.token ??= await this.opts.getToken();
      } catch {
        this.scheduleReconnect();
        return;
      }
      this.open();
    }, delay);
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome':
        for (const c of frame.conversations) this.conversations.set(c.id, c);
        break;
      case 'history':
        this.applyHistory(frame);
        break;
      case 'synced':
        this.synced = true;
        // Resend everything unacked, in the original order, with the original cids.
        for (const p of this.outbox) this.ws?.send(JSON.stringify(p.frame));
        break;
      case 'message':
        this.apply(frame.message);
        break;
      case 'conversation':
        this.conversations.set(frame.conversation.id, frame.conversation);
        break;
      case 'ack': {
        const command = this.commandWaiters.get(frame.cid);
        if (command) {
          this.commandWaiters.delete(frame.cid);
          command.resolve(frame);
          break;
        }
        const previous = this.acks.get(frame.cid);
        if (previous && previous.seq !== frame.seq) {
          this.violations.push(`cid ${frame.cid} acked with seq ${previous.seq} and then ${frame.seq}`);
        }
        this.acks.set(frame.cid, frame);
        this.outbox = this.outbox.filter((p) => p.cid !== frame.cid);
        break;
      }
      case 'error': {
        this.errors.push(frame);
        if (frame.cid && TRANSIENT.has(frame.code) && this.outbox.some((p) => p.cid === frame.cid)) {
          // Refused for now (rate limit, restart): resend the same cid once the bucket has refilled.
          this.retryLater(frame.cid);
        }
        const command = frame.cid ? this.commandWaiters.get(frame.cid) : undefined;
        if (command && frame.cid) {
          this.commandWaiters.delete(frame.cid);
          command.reject(frame);
        }
        break;
      }
      default:
        break;
    }
  }

  private retryLater(cid: string): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      const pending = this.outbox.find((p) => p.cid === cid);
      if (pending && this.isSynced) this.ws?.send(JSON.stringify(pending.frame));
    }, 1000);
    this.retryTimers.add(timer);
  }

  private applyHistory(frame: HistoryFrame): void {
    for (const m of frame.messages) this.apply(m);
  }

  private apply(m: Message): void {
    let list = this.transcripts.get(m.conversationId);
    if (!list) {
      list = [];
      this.transcripts.set(m.conversationId, list);
    }
    const held = list[m.seq - 1];
    if (held) {
      if (held.id !== m.id)
        this.violations.push(`seq ${m.seq} of ${m.conversationId} held as ${held.id}, got ${m.id}`);
      return; // already have it: dedupe by seq
    }
    if (m.seq !== list.length + 1) {
      let ahead = this.ahead.get(m.conversationId);
      if (!ahead) {
        ahead = new Map();
        this.ahead.set(m.conversationId, ahead);
      }
      ahead.set(m.seq, m);
      return;
    }
    list.push(m);
    const ahead = this.ahead.get(m.conversationId);
    let next = ahead?.get(list.length + 1);
    while (ahead && next) {
      ahead.delete(next.seq);
      list.push(next);
      next = ahead.get(list.length + 1);
    }
  }

  /** Messages still waiting behind a gap: must be 0 once the client is synced and idle. */
  get gaps(): number {
    let n = 0;
    for (const a of this.ahead.values()) n += a.size;
    return n;
  }
}

function pick(url: string | (() => string)): string {
  return typeof url === 'function' ? url() : url;
}

/** Creates a visitor session and returns a token getter bound to it (same visitor on refresh). */
export function visitorTokens(
  baseUrl: string | (() => string),
  origin: string,
  site = 'demo',
): () => Promise<string> {
  let current: string | undefined;
  return async () => {
    const res = await fetch(`${pick(baseUrl)}/api/visitor/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify(current ? { site, token: current } : { site }),
    });
    if (!res.ok) throw new Error(`session failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token: string };
    current = body.token;
    return body.token;
  };
}

export function agentTokens(
  baseUrl: string | (() => string),
  email: string,
  password = 'demo1234',
): () => Promise<string> {
  return async () => {
    const res = await fetch(`${pick(baseUrl)}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  };
}
