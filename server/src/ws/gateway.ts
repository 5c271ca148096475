/**
 * The WebSocket transport: one `Connection` per socket, frames parsed and validated,
 * then handed to the chat service. Listeners are attached synchronously when the socket
 * arrives; everything async runs on the socket's own promise chain so frames keep their
 * order, and a `send` is acked only when its group commit resolves.
 */
import {
  type AckFrame,
  type AgentClientFrame,
  type AgentInfo,
  CloseCode,
  ErrorCode,
  type ErrorFrame,
  type HistoryFrame,
  PROTOCOL_VERSION,
  type PresenceFrame,
  type VisitContext,
  type VisitorClientFrame,
} from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { type ChatService, NEWEST } from '../chat/index.js';
import type { Cluster } from '../cluster.js';
import type { LimitsConfig } from '../config.js';
import { SbError } from '../errors.js';
import type { Metrics } from '../http/metrics.js';
import type { Hub } from '../hub.js';
import type { BucketRule, Limits } from '../limits.js';
import type { Presence } from '../presence.js';
import { presenceTopics, Topic, viewerTopics } from '../routing/index.js';
import type { Timers } from '../timers.js';
import { type AgentPrincipal, Connection, type Principal, type VisitorPrincipal } from './connection.js';
import { type FrameRefusal, parseFrame } from './frames.js';
import { HelloDeadline } from './hello-deadline.js';
import { VisitorOnline } from './visitor-online.js';

/** Frames that draw on the message bucket; every other type but ping on the control bucket. */
const MESSAGE_TYPES = new Set(['send', 'note', 'typing', 'profile', 'rate', 'page']);
/** Refusals that count towards "10 invalid frames in 10 s → 4400". */
const ABUSE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.BadJson,
  ErrorCode.UnknownType,
  ErrorCode.BadFrame,
  ErrorCode.TooLarge,
  ErrorCode.NotReady,
]);
const MAX_CURSORS = 200;
/** Conversations an agent socket keeps watching after `open` (oldest dropped first). */
const MAX_OPEN_PER_SOCKET = 200;

export interface GatewayDeps {
  hub: Hub;
  chat: ChatService;
  presence: Presence;
  /** What other nodes hold (null: one node). */
  cluster?: Cluster | null;
  limits: LimitsConfig;
  log: FastifyBaseLogger;
  metrics: Metrics;
  /** Shared abuse counters (frame buckets per visitor / agent / address, socket caps). */
  counters: Limits;
  timers: Timers;
}

function rawToString(data: RawData): { text: string; bytes: number } {
  if (Buffer.isBuffer(data)) return { text: data.toString('utf8'), bytes: data.length };
  if (Array.isArray(data)) {
    const b = Buffer.concat(data);
    return { text: b.toString('utf8'), bytes: b.length };
  }
  const b = Buffer.from(data);
  return { text: b.toString('utf8'), bytes: b.length };
}

/** Resolves when `p` settles or after `ms`, whichever comes first (never rejects). */
function withDeadline(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    expired,
  ]).finally(() => clearTimeout(timer));
}

export class Gateway {
  private readonly hub: Hub;
  private readonly chat: ChatService;
  private readonly presence: Presence;
  private readonly cluster: Cluster | null;
  private readonly limits: LimitsConfig;
  /** @internal */
  readonly log: FastifyBaseLogger;
  private readonly metrics: Metrics;
  /** Live connections of this process (shutdown waits for their in-flight frames). */
  private readonly conns = new Set<Connection>();
  private readonly counters: Limits;
  private readonly helloDeadline: HelloDeadline<Connection>;
  /** @internal tests flush it */
  readonly visitorOnline: VisitorOnline;
  private readonly principalRule: BucketRule;
  private readonly addressRule: BucketRule;
  shuttingDown = false;

  constructor(deps: GatewayDeps) {
    this.hub = deps.hub;
    this.chat = deps.chat;
    this.presence = deps.presence;
    this.cluster = deps.cluster ?? null;
    this.limits = deps.limits;
    this.log = deps.log;
    this.metrics = deps.metrics;
    this.counters = deps.counters;
    const l = deps.limits;
    this.principalRule = { burst: l.rateBurst, refillPerSec: l.rateRefillPerSec };
    this.addressRule = { burst: l.addressRateBurst, refillPerSec: l.addressRateRefillPerSec };
    this.helloDeadline = new HelloDeadline<Connection>(l.helloTimeoutMs, deps.timers, (conn) =>
      this.hub.close(conn, CloseCode.HelloTimeout, 'HelloTimeout: send hello first'),
    );
    this.visitorOnline = new VisitorOnline(l.presenceCoalesceMs, deps.timers, (siteId, visitorId, online) =>
      this.hub.publish([Topic.siteAgents(siteId)], { type: 'visitor', visitorId, online }),
    );
  }

  /**
   * A new authenticated socket: attach listeners synchronously, nothing async here. The
   * listeners are shared by every socket (`this` is the socket, its Connection hangs off it):
   * no closures per socket.
   */
  accept(ws: WebSocket, principal: Principal, address: string): Connection {
    const conn = new Connection(ws, principal, this.limits, address);
    this.conns.add(conn);
    this.hub.add(conn);
    (ws as SocketWithConn)[CONN] = conn;
    (ws as SocketWithConn)[GATEWAY] = this;
    ws.on('message', onSocketMessage);
    ws.on('pong', onSocketPong);
    ws.on('error', onSocketError);
    ws.on('close', onSocketClose);
    this.helloDeadline.add(conn);
    // Socket caps first: every frame of this socket runs after its admission on the chain.
    this.enqueue(conn, undefined, () => this.admit(conn));
    return conn;
  }

  /**
   * Takes this socket's slots (per address, per visitor or agent). Over a cap the socket is
   * closed with 4429 TooManySockets; a socket that closed meanwhile gives its slots back.
   */
  private async admit(conn: Connection): Promise<void> {
    const l = this.limits;
    const p = conn.principal;
    const caps: [string, number, string][] = [
      [`sockets:ip:${conn.address}`, l.maxSocketsPerAddress, 'address'],
      p.kind === 'visitor'
        ? [`sockets:visitor:${p.visitor.id}`, l.maxSocketsPerVisitor, 'visitor']
        : [`sockets:agent:${p.agent.id}`, l.maxSocketsPerAgent, 'agent'],
    ];
    for (const [key, max, what] of caps) {
      if (max <= 0) continue;
      if (!(await this.counters.acquire(key, max))) {
        if (!conn.closing) {
          this.hub.close(conn, CloseCode.TooManySockets, `TooManySockets: at most ${max} per ${what}`);
        }
        break;
      }
      conn.slots.push(key);
      if (conn.closing) break;
    }
    if (conn.closing) this.releaseSlots(conn);
  }

  private releaseSlots(conn: Connection): void {
    for (const key of conn.slots.splice(0)) {
      this.counters
        .release(key)
        .catch((err: unknown) => this.log.error({ err }, 'releasing a socket slot failed'));
    }
  }

  /** The visitor / agent and the address share a bucket across all their sockets. */
  private async sharedBudget(conn: Connection, message: boolean): Promise<boolean> {
    const p = conn.principal;
    if (message) {
      const key = p.kind === 'visitor' ? `frames:visitor:${p.visitor.id}` : `frames:agent:${p.agent.id}`;
      if (!(await this.counters.take(key, this.principalRule))) return false;
    }
    if (this.addressRule.burst <= 0) return true;
    return this.counters.take(`frames:ip:${conn.address}`, this.addressRule);
  }

  /** @internal shared socket listeners call these */
  onClose(conn: Connection): void {
    conn.closing = true;
    this.helloDeadline.settle(conn);
    this.releaseSlots(conn);
    const p = conn.principal;
    // Announced = its hello subscribed it (a socket refused or closed before that never was).
    const announced = p.kind === 'visitor' && conn.topics.includes(Topic.visitor(p.visitor.id));
    this.conns.delete(conn);
    this.hub.remove(conn);
    if (!conn.greeted || this.shuttingDown) return;
    if (p.kind === 'visitor') {
      if (announced && this.hub.topicSize(Topic.visitor(p.visitor.id)) === 0) {
        this.visitorTabs(p.siteId, p.visitor.id, false);
      }
    } else {
      this.presence.disconnected(p.agent.id);
    }
  }

  /**
   * The socket closed while its hello waited (for the store or for Redis): its close handler
   * has run already, so undo what the hello added since — no subscription, no presence is
   * left behind for a socket that is gone.
   */
  private goneMeanwhile(conn: Connection): boolean {
    if (!conn.closing) return false;
    this.hub.remove(conn);
    return true;
  }

  /**
   * This node's first tab of a visitor opened, or its last one closed: other nodes hear it,
   * and agents hear "online"/"offline" unless a tab on another node keeps it as it was.
   */
  private visitorTabs(siteId: string, visitorId: string, open: boolean): void {
    this.cluster?.announceVisitor(visitorId, siteId, open);
    if (this.cluster?.visitorElsewhere(visitorId)) return;
    this.visitorOnline.change(siteId, visitorId, open);
  }

  /** The cluster learned that another node opened or closed a visitor's tabs. */
  remoteVisitorChanged(visitorId: string, siteId: string): void {
    if (!this.cluster?.leader || this.hub.topicSize(Topic.visitor(visitorId)) > 0) return;
    this.visitorOnline.change(siteId, visitorId, this.cluster.visitorElsewhere(visitorId));
  }

  /** Visitors with a tab on this node (cluster snapshots). */
  localVisitors(): Array<[string, string]> {
    const out = new Map<string, string>();
    for (const c of this.conns) {
      const p = c.principal;
      if (p.kind === 'visitor' && c.topics.includes(Topic.visitor(p.visitor.id)))
        out.set(p.visitor.id, p.siteId);
    }
    return [...out];
  }

  /**
   * After an administration change: every agent socket of this node whose membership was
   * deactivated (or whose account is gone) closes with 4403, one whose password changed
   * meanwhile (sessions signed out) with 4401, one whose role or departments changed with 4503
   * (it reconnects at once, subscribed to what it now sees).
   */
  async revalidateAgents(): Promise<number> {
    let closed = 0;
    const agents = [...this.conns].filter((c) => c.principal.kind === 'agent');
    for (const c of agents) {
      const p = c.principal;
      if (p.kind !== 'agent') continue;
      const now = await this.chat.agent(p.agent.id, p.agent.siteId);
      if (!now?.active || now.passwordHash === '') {
        this.hub.close(c, CloseCode.Forbidden, 'Forbidden: this account was deactivated');
        closed++;
      } else if (now.tokenVersion !== p.agent.tokenVersion) {
        this.hub.close(c, CloseCode.Unauthorized, 'Unauthorized: signed out (password changed)');
        closed++;
      } else if (now.role !== p.agent.role || now.departments.join('\n') !== p.agent.departments.join('\n')) {
        // What the socket is subscribed to follows role and departments: reconnect for the new view.
        this.hub.close(c, CloseCode.Restarting, 'Reconnect: your role or departments changed');
        closed++;
      } else {
        p.agent = now;
      }
    }
    return closed;
  }

  /** A console session ended (sign-out, a copied refresh token): its sockets here close with 4401. */
  dropSession(sessionId: string): number {
    let closed = 0;
    for (const c of this.conns) {
      if (c.principal.kind === 'agent' && c.principal.sid === sessionId) {
        this.hub.close(c, CloseCode.Unauthorized, 'Unauthorized: signed out');
        closed++;
      }
    }
    return closed;
  }

  /**
   * A visitor of the site was blocked (here or on another node): every socket of this node
   * whose visitor is now blocked closes with 4403. One query for the site's blocks.
   */
  async dropBlockedVisitors(siteId: string): Promise<number> {
    const blocked = new Set((await this.chat.listBlocks(siteId)).map((b) => b.visitorId));
    let closed = 0;
    for (const c of [...this.conns]) {
      const p = c.principal;
      if (p.kind !== 'visitor' || p.siteId !== siteId || !blocked.has(p.visitor.id)) continue;
      this.hub.close(c, CloseCode.Forbidden, 'Forbidden: this visitor is blocked');
      closed++;
    }
    return closed;
  }

  /**
   * A visitor was erased (here or on another node): their sockets on this node close with
   * 4401, so a widget still open starts a new session as a new, anonymous visitor.
   */
  dropErasedVisitor(siteId: string, visitorId: string): number {
    let closed = 0;
    for (const c of [...this.conns]) {
      const p = c.principal;
      if (p.kind !== 'visitor' || p.siteId !== siteId || p.visitor.id !== visitorId) continue;
      this.hub.close(c, CloseCode.Unauthorized, 'This visitor was deleted; start a new session');
      closed++;
    }
    return closed;
  }

  /** Live connections of this process (tests check it returns to baseline). */
  get connections(): number {
    return this.conns.size;
  }

  // ------------------------------------------------------------ inbound frames

  private sendError(conn: Connection, code: ErrorCode, message: string, cid?: string): void {
    const frame: ErrorFrame = { type: 'error', code, message };
    if (cid !== undefined) frame.cid = cid;
    this.hub.send(conn, frame);
  }

  private refuse(conn: Connection, r: FrameRefusal): void {
    this.sendError(conn, r.code, r.message, r.cid);
    this.metrics.framesRejected.inc({ reason: r.code });
    if (!ABUSE_CODES.has(r.code)) return;
    this.metrics.invalidFrames.inc({ code: r.code });
    if (conn.invalid.hit()) this.hub.close(conn, CloseCode.ProtocolAbuse, 'ProtocolAbuse');
  }

  private fail(conn: Connection, err: unknown, cid: string | undefined): void {
    if (err instanceof SbError) {
      this.sendError(conn, err.code, err.message, cid);
      return;
    }
    this.log.error({ err }, 'frame handler failed');
    this.metrics.errors.inc({ kind: 'ws' });
    this.sendError(
      conn,
      ErrorCode.Internal,
      'Internal error; nothing was committed, retry with the same cid',
      cid,
    );
  }

  /** @internal */
  onMessage(conn: Connection, data: RawData): void {
    conn.isAlive = true;
    if (conn.closing) return;
    const { text, bytes } = rawToString(data);
    const max = this.limits.maxPayloadBytes;
    const parsed =
      conn.principal.kind === 'visitor'
        ? parseFrame('visitor', text, max, bytes)
        : parseFrame('agent', text, max, bytes);
    if (!parsed.ok) {
      this.refuse(conn, parsed);
      return;
    }
    const frame = parsed.frame;
    const cid = 'cid' in frame ? frame.cid : undefined;
    if (this.shuttingDown) {
      this.sendError(conn, ErrorCode.Unavailable, 'Server is restarting; resend after reconnecting', cid);
      return;
    }
    if (frame.type === 'ping') {
      this.hub.send(conn, { type: 'pong' });
      return;
    }
    if (frame.type === 'hello') {
      if (conn.greeted) {
        this.refuse(conn, { ok: false, code: ErrorCode.NotReady, message: 'hello was already received' });
        return;
      }
      if (frame.v !== PROTOCOL_VERSION) {
        this.hub.close(conn, CloseCode.BadHello, `Unsupported protocol version ${frame.v}`.slice(0, 120));
        return;
      }
      conn.greeted = true;
      this.helloDeadline.settle(conn);
      conn.held = [];
      this.enqueue(conn, undefined, () => this.hello(conn, frame.cursors ?? {}, frame.ctx));
      return;
    }
    if (!conn.greeted) {
      this.refuse(conn, {
        ok: false,
        code: ErrorCode.NotReady,
        message: 'Send hello first',
        ...(cid ? { cid } : {}),
      });
      return;
    }
    // Every frame but ping (and the one hello) costs a token of the socket: message-like frames
    // from its message bucket, the rest from its control bucket. Message-like frames also cost
    // one of the visitor or agent (all their sockets share it); every frame one of the address.
    const message = MESSAGE_TYPES.has(frame.type);
    if (!(message ? conn.bucket : conn.controlBucket).take()) {
      this.rateLimited(conn, cid);
      return;
    }
    const p = conn.principal;
    this.enqueue(conn, cid, async () => {
      if (!(await this.sharedBudget(conn, message))) return this.rateLimited(conn, cid);
      if (p.kind === 'visitor') return this.visitorFrame(conn, p, frame as VisitorClientFrame);
      return this.agentFrame(conn, p, frame as AgentClientFrame);
    });
  }

  private rateLimited(conn: Connection, cid: string | undefined): void {
    this.metrics.framesRejected.inc({ reason: ErrorCode.RateLimited });
    this.sendError(conn, ErrorCode.RateLimited, 'Too many frames; slow down (not stored, resend later)', cid);
  }

  /** Runs `task` after the socket's previous frames; errors become `error` frames, never crashes. */
  private enqueue(conn: Connection, cid: string | undefined, task: () => Promise<void>): void {
    conn.chain = conn.chain.then(task).catch((err: unknown) => this.fail(conn, err, cid));
  }

  private ack(conn: Connection, done: Promise<AckFrame>, cid: string): void {
    done.then(
      (ack) => this.hub.send(conn, ack),
      (err: unknown) => this.fail(conn, err, cid),
    );
  }

  // ------------------------------------------------------------ hello → welcome → history → synced

  /**
   * A client must never be left connected but unsynced: if the replay fails, the socket is
   * closed with 1011 (InternalError) so the client reconnects with backoff and resumes, instead
   * of waiting for a `synced` that never comes.
   */
  private async hello(
    conn: Connection,
    cursors: Record<string, number>,
    ctx: VisitContext | undefined,
  ): Promise<void> {
    if (conn.closing) return; // refused by a socket cap, or gone before its turn
    try {
      if (conn.principal.kind === 'visitor') await this.visitorHello(conn, conn.principal, cursors, ctx);
      else await this.agentHello(conn, conn.principal, cursors);
      this.hub.release(conn);
    } catch (err) {
      this.log.error({ err, role: conn.principal.kind }, 'hello failed: closing the socket with 1011');
      conn.held = null;
      this.hub.close(conn, CloseCode.InternalError, 'Internal error during hello; reconnect');
    }
  }

  private async visitorHello(
    conn: Connection,
    p: VisitorPrincipal,
    cursors: Record<string, number>,
    ctx: VisitContext | undefined,
  ): Promise<void> {
    const vid = p.visitor.id;
    // Subscribe first (live frames are held until `synced`), so nothing falls between replay and live.
    const first = this.hub.topicSize(Topic.visitor(vid)) === 0;
    await Promise.all([
      this.hub.subscribe(conn, Topic.visitor(vid)),
      this.hub.subscribe(conn, Topic.siteVisitors(p.siteId)),
    ]);
    if (this.goneMeanwhile(conn)) return;
    if (first) this.visitorTabs(p.siteId, vid, true);
    const { visitor, conversations: convs, welcome } = await this.chat.visitorWelcome(p.visitor, p.siteId);
    p.visitor = visitor;
    this.hub.send(conn, welcome);
    // A cursor resumes exactly after it; the current conversation without one (a new
    // device, a reload) gets its newest page, and older pages on request (`before`).
    const wanted = new Map<string, number | null>(Object.entries(cursors).slice(0, MAX_CURSORS));
    const current = convs[0];
    if (current && !wanted.has(current.id)) wanted.set(current.id, null);
    for (const [id, since] of wanted) {
      const conv = convs.find((c) => c.id === id) ?? (await this.chat.conversation(id));
      if (!conv || conv.visitorId !== vid) continue;
      await this.replay(conn, conv.id, since, false);
    }
    this.hub.send(conn, { type: 'synced' });
    // Still waiting (a reload, a new device): they hear their place in the queue again.
    if (current?.status === 'queued') this.chat.autoAssign.retell(p.siteId, current.id);
    if (ctx) await this.visit(p, ctx);
    else delete p.client;
  }

  /** The context panel's data: a failure to store it costs the panel, never the session. */
  private async visit(p: VisitorPrincipal, ctx: VisitContext): Promise<void> {
    const client = p.client ?? { userAgent: null, locale: null };
    delete p.client;
    try {
      await this.chat.visitHello({ siteId: p.siteId, visitorId: p.visitor.id }, ctx, client);
    } catch (err) {
      this.log.error({ err, visitorId: p.visitor.id }, 'could not store the visit');
    }
  }

  private async agentHello(
    conn: Connection,
    p: AgentPrincipal,
    cursors: Record<string, number>,
  ): Promise<void> {
    const a = p.agent;
    const agentTopics = [Topic.agent(a.id), Topic.siteAgents(a.siteId), ...viewerTopics(a)];
    if (a.role === 'admin') agentTopics.push(Topic.siteAdmins(a.siteId));
    // Check each cursor's conversation BEFORE subscribing to it: with an asynchronous store a
    // subscription made first would deliver another site's frames until the check came back.
    const ids = Object.keys(cursors).slice(0, MAX_CURSORS);
    const mine = await this.chat.agentCursorConversations(a, ids);
    // Subscribed before the history is read below, so nothing falls between replay and live.
    for (const c of mine) agentTopics.push(Topic.conversation(c.id));
    await Promise.all(agentTopics.map((t) => this.hub.subscribe(conn, t)));
    if (this.goneMeanwhile(conn)) return;
    this.presence.connected(a.id, a.siteId);
    this.hub.send(conn, await this.chat.agentWelcome(a));
    for (const conv of mine) await this.replay(conn, conv.id, cursors[conv.id] ?? 0, true);
    this.hub.send(conn, { type: 'synced' });
  }

  /**
   * A transcript in bounded pages: with a cursor, every message with seq > cursor (`more` on
   * all pages but the last); without one, the newest page (`older` says whether more exist).
   * Each page waits until the previous one has left, so a client that does not read costs
   * one page of memory, not the conversation. The request's cid goes on the last page.
   */
  private async replay(
    conn: Connection,
    conversationId: string,
    since: number | null,
    withNotes: boolean,
    cid?: string,
  ): Promise<void> {
    const notes = withNotes ? await this.chat.history.notes(conversationId) : undefined;
    if (since === null) return this.page(conn, conversationId, NEWEST, notes, cid);
    let first = true;
    for await (const page of this.chat.history.forward(conversationId, since)) {
      if (conn.closing) return;
      const frame: HistoryFrame = { type: 'history', conversationId, messages: page.messages };
      if (first && notes) frame.notes = notes;
      if (page.more) frame.more = true;
      else if (cid !== undefined) frame.cid = cid;
      first = false;
      await this.hub.sendPaced(conn, frame);
    }
  }

  /** The newest page below `before` (scroll-back, or a transcript opened without a cursor). */
  private async page(
    conn: Connection,
    conversationId: string,
    before: number,
    notes: HistoryFrame['notes'],
    cid: string | undefined,
  ): Promise<void> {
    const page = await this.chat.history.backward(conversationId, before);
    const frame: HistoryFrame = {
      type: 'history',
      conversationId,
      messages: page.messages,
      older: page.more,
    };
    if (notes) frame.notes = notes;
    if (cid !== undefined) frame.cid = cid;
    await this.hub.sendPaced(conn, frame);
  }

  // ------------------------------------------------------------ frame handlers

  private async visitorFrame(
    conn: Connection,
    p: VisitorPrincipal,
    frame: VisitorClientFrame,
  ): Promise<void> {
    const actor = { siteId: p.siteId, visitorId: p.visitor.id };
    switch (frame.type) {
      case 'send': {
        const accepted = await this.chat.visitorSend(actor, p.visitor.name ?? 'Visitor', frame);
        this.ack(conn, accepted.done, frame.cid);
        return;
      }
      case 'typing':
        return this.chat.visitorTyping(actor, p.visitor.name ?? 'Visitor', frame.conversationId, frame.on);
      case 'read':
        return this.chat.visitorRead(actor, frame.conversationId, frame.seq);
      case 'history': {
        const conv = await this.chat.visitorConversation(actor, frame.conversationId);
        return this.page(conn, conv.id, frame.before, undefined, frame.cid);
      }
      case 'rate':
        return this.ack(conn, this.chat.visitorRate(actor, frame), frame.cid);
      case 'profile': {
        const patch: { name?: string; email?: string; attributes?: Record<string, string> } = {};
        if (frame.name !== undefined) patch.name = frame.name;
        if (frame.email !== undefined) patch.email = frame.email;
        if (frame.attributes !== undefined) patch.attributes = frame.attributes;
        p.visitor = await this.chat.profile(actor, patch);
        return;
      }
      case 'page':
        return this.chat.visitPage(actor, frame);
      case 'hello':
      case 'ping':
        return;
    }
  }

  private async agentFrame(conn: Connection, p: AgentPrincipal, frame: AgentClientFrame): Promise<void> {
    const agent = p.agent;
    switch (frame.type) {
      case 'send': {
        const accepted = await this.chat.agentSend(agent, frame);
        this.ack(conn, accepted.done, frame.cid);
        return;
      }
      case 'note':
        this.hub.send(conn, await this.chat.agentNote(agent, frame));
        return;
      case 'claim':
        this.hub.send(conn, await this.chat.claim(agent, frame));
        return;
      case 'transfer':
        this.hub.send(conn, await this.chat.transfer(agent, frame));
        return;
      case 'close':
        this.hub.send(conn, await this.chat.close(agent, frame));
        return;
      case 'open': {
        const conv = await this.chat.agentConversation(agent, frame.conversationId);
        const topic = Topic.conversation(conv.id);
        // Subscribed before the transcript is read: a live message meanwhile arrives twice at
        // worst (clients keep each seq once), never not at all.
        if (!conn.topics.includes(topic)) {
          const watched = [...conn.topics].filter((t) => t.startsWith('conv:'));
          if (watched.length >= MAX_OPEN_PER_SOCKET && watched[0]) this.hub.unsubscribe(conn, watched[0]);
          await this.hub.subscribe(conn, topic);
          if (this.goneMeanwhile(conn)) return;
        }
        return this.replay(conn, conv.id, frame.since ?? null, true, frame.cid);
      }
      case 'history': {
        const conv = await this.chat.agentConversation(agent, frame.conversationId);
        return this.page(conn, conv.id, frame.before, undefined, frame.cid);
      }
      case 'status':
        this.presence.setStatus(agent.id, frame.status);
        return;
      case 'typing':
        return this.chat.agentTyping(agent, frame.conversationId, frame.on);
      case 'read':
        return this.chat.agentRead(agent, frame.conversationId, frame.seq);
      case 'hello':
      case 'ping':
        return;
    }
  }

  // ------------------------------------------------------------ presence

  /** Presence changed: full info to agents; visitors learn only name/status and agentsOnline. */
  async publishPresence(agentId: string, siteId: string): Promise<void> {
    const agent = await this.chat.agent(agentId, siteId);
    if (!agent) return;
    const info: AgentInfo = this.chat.agentInfo(agent);
    const agentsOnline = this.presence.agentsOnline(siteId);
    const topics = presenceTopics(siteId);
    const forAgents: PresenceFrame = { type: 'presence', agent: info, agentsOnline };
    this.hub.publish([topics.agents], forAgents);
    const forVisitors: PresenceFrame = { type: 'presence', agent: { ...info, email: '' }, agentsOnline };
    this.hub.publish([topics.visitors], forVisitors);
  }

  /** Re-queue the conversations of an agent who stayed away past the grace period. */
  async agentExpired(agentId: string): Promise<void> {
    const n = await this.chat.requeueAgent(agentId);
    if (n > 0)
      this.log.info(
        { agentId, conversations: n },
        'agent offline past the grace period: conversations re-queued',
      );
  }

  /**
   * Graceful shutdown: refuse new frames, commit everything queued, tell every client to
   * reconnect (4503 Restarting), and give them a moment to close cleanly.
   */
  async shutdown(commitQueued: () => Promise<void>, waitMs = 2000): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.hub.stopHeartbeat();
    this.helloDeadline.clear();
    this.visitorOnline.clear();
    // Frames already accepted run to the point where their message is queued for commit, so
    // the last group commit (and its acks) includes them. New frames get SB_ERR_UNAVAILABLE.
    await withDeadline(Promise.all([...this.conns].map((c) => c.chain)), waitMs);
    await commitQueued();
    // Acks of the last batch are sent from promise callbacks: let them run before closing.
    await new Promise<void>((r) => setImmediate(r));
    this.hub.closeAll(CloseCode.Restarting, 'Restarting');
    const deadline = Date.now() + waitMs;
    while (this.hub.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.hub.terminateAll();
    this.presence.close();
    this.chat.shutdown();
  }
}

const CONN = Symbol('switchboard.connection');
const GATEWAY = Symbol('switchboard.gateway');
type SocketWithConn = WebSocket & { [CONN]: Connection; [GATEWAY]: Gateway };

function onSocketMessage(this: WebSocket, data: RawData): void {
  const ws = this as SocketWithConn;
  ws[GATEWAY].onMessage(ws[CONN], data);
}
function onSocketPong(this: WebSocket): void {
  (this as SocketWithConn)[CONN].isAlive = true;
}
function onSocketError(this: WebSocket, err: Error): void {
  (this as SocketWithConn)[GATEWAY].log.debug({ err }, 'websocket error');
}
function onSocketClose(this: WebSocket): void {
  const ws = this as SocketWithConn;
  ws[GATEWAY].onClose(ws[CONN]);
}
