/**
 * The chat service: the use cases (send, claim, transfer, close, read, typing, notify…).
 * It asks routing (pure) what a command means, applies it through storage (atomic,
 * compare-and-set), and publishes the resulting frames through the hub. It knows nothing
 * about sockets beyond "publish these frames to these topics"; both the WebSocket layer
 * and the REST notify endpoint call it.
 */
import {
  type AckFrame,
  type AgentInfo,
  type AgentNoteFrame,
  type AgentSendFrame,
  type Author,
  type ClaimFrame,
  type CloseFrame,
  type ConversationSummary,
  ErrorCode,
  type Message,
  type ServerFrame,
  type SiteConfig,
  type SiteSettingsRequest,
  type TransferFrame,
  type VisitorSendFrame,
} from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { sbError } from './errors.js';
import type { Hub } from './hub.js';
import { newId } from './ids.js';
import type { Presence } from './presence.js';
import {
  type ActingAgent,
  agentSideTopics,
  businessHoursProblem,
  canReply,
  canSpeakFor,
  checkText,
  type Decision,
  decideClaim,
  decideClose,
  decideReopen,
  decideRequeue,
  decideTransfer,
  isOpenAt,
  messageTopics,
  planVisitorSend,
  Sender,
  SystemLines,
  summaryTopics,
  Topic,
  toSummary,
} from './routing/index.js';
import type { MessageWriter } from './storage/message-writer.js';
import type {
  AgentRecord,
  ConversationRecord,
  NewMessage,
  SitePatch,
  SiteRecord,
  Storage,
  TransitionResult,
  VisitorRecord,
} from './storage/types.js';

export interface ChatDeps {
  storage: Storage;
  writer: MessageWriter;
  hub: Hub;
  presence: Presence;
  log: FastifyBaseLogger;
  maxTextChars: number;
}

/** A command whose frame was accepted; `done` resolves with its ack after the commit. */
export interface Accepted {
  done: Promise<AckFrame>;
}

export interface VisitorActor {
  siteId: string;
  visitorId: string;
}

function ackOf(cid: string, m: Message): AckFrame {
  return { type: 'ack', cid, conversationId: m.conversationId, seq: m.seq, messageId: m.id, at: m.at };
}

function throwIfRefused(d: Decision | { ok: true } | { ok: false; code: ErrorCode; message: string }): void {
  if (!d.ok) throw sbError(d.code, d.message);
}

function validText(text: string, maxChars: number): string {
  const checked = checkText(text, maxChars);
  if (!checked.ok) throw sbError(checked.code, checked.message);
  return checked.text;
}

export function actingAgent(a: AgentRecord): ActingAgent {
  return { id: a.id, name: a.name, role: a.role };
}

export class ChatService {
  private readonly storage: Storage;
  private readonly writer: MessageWriter;
  private readonly hub: Hub;
  private readonly presence: Presence;
  private readonly log: FastifyBaseLogger;
  private readonly maxTextChars: number;
  /** Sites and agent names change rarely; agents/sites are never deleted in this version. */
  private readonly sites = new Map<string, SiteRecord>();
  /** Whether each site was inside its business hours at the last `publishOpeningChanges`. */
  private readonly lastOpen = new Map<string, boolean>();
  private readonly agentNames = new Map<string, string>();
  /** Serialises "find or create / reopen the visitor's conversation" per visitor. */
  private readonly visitorLocks = new Map<string, Promise<unknown>>();
  /**
   * Conversation summaries are coalesced: at most one frame per conversation per turn.
   * `state`: the status / assignee / visitor changed (everyone of the site hears it);
   * otherwise only the last message moved (see `flushSummaries` for who hears that).
   * `conv`: the row as of the change when we have it (no read needed), else null.
   */
  private readonly dirty = new Map<string, { state: boolean; conv: ConversationRecord | null }>();
  private flushScheduled = false;
  private closed = false;

  constructor(deps: ChatDeps) {
    this.storage = deps.storage;
    this.writer = deps.writer;
    this.hub = deps.hub;
    this.presence = deps.presence;
    this.log = deps.log;
    this.maxTextChars = deps.maxTextChars;
  }

  // ------------------------------------------------------------ lookups

  async site(id: string): Promise<SiteRecord | null> {
    const cached = this.sites.get(id);
    if (cached) return cached;
    const s = await this.storage.getSite(id);
    if (s) this.sites.set(id, s);
    return s;
  }

  async siteConfig(siteOrId: SiteRecord | string): Promise<SiteConfig> {
    const site = typeof siteOrId === 'string' ? await this.site(siteOrId) : siteOrId;
    if (!site) throw sbError(ErrorCode.UnknownSite, 'No such site');
    const hours = site.businessHours ?? null;
    return {
      id: site.id,
      name: site.name,
      color: site.color,
      title: site.title,
      greeting: site.greeting,
      departments: site.departments,
      agentsOnline: this.presence.agentsOnline(site.id),
      businessHours: hours,
      open: isOpenAt(hours, new Date()),
    };
  }

  /**
   * Business hours started or ended since the last check: push the new `open` to the
   * site's connected visitors and agents (`site` frame). Called periodically; only sites
   * in the cache (those with connected clients) are checked, and the first check of a site
   * only records its state.
   */
  async publishOpeningChanges(now: Date = new Date()): Promise<void> {
    for (const site of this.sites.values()) {
      if (!site.businessHours) continue;
      const open = isOpenAt(site.businessHours, now);
      const before = this.lastOpen.get(site.id);
      this.lastOpen.set(site.id, open);
      if (before === undefined || before === open) continue;
      const config = { ...(await this.siteConfig(site)), open };
      this.publish([Topic.siteVisitors(site.id), Topic.siteAgents(site.id)], { type: 'site', site: config });
    }
  }

  /**
   * An admin changed the site's settings: store them, refresh the cache, and push the new
   * `SiteConfig` to every connected visitor and agent of the site (`site` frame).
   */
  async updateSiteSettings(siteId: string, body: SiteSettingsRequest): Promise<SiteConfig> {
    const patch: SitePatch = {};
    if (body.color !== undefined) patch.color = body.color;
    if (body.title !== undefined) {
      patch.title = body.title.trim();
      if (patch.title === '') throw sbError(ErrorCode.Validation, 'title: must not be blank');
    }
    if (body.greeting !== undefined) patch.greeting = body.greeting;
    if (body.departments !== undefined) {
      const departments = body.departments.map((d) => d.trim());
      if (departments.some((d) => d === '') || new Set(departments).size !== departments.length) {
        throw sbError(ErrorCode.Validation, 'departments: names must be non-empty and unique');
      }
      patch.departments = departments;
    }
    if (body.businessHours) {
      const problem = businessHoursProblem(body.businessHours);
      if (problem) throw sbError(ErrorCode.Validation, problem);
    }
    if (body.businessHours !== undefined) patch.businessHours = body.businessHours;
    const site = await this.storage.updateSite(siteId, patch);
    if (!site) throw sbError(ErrorCode.UnknownSite, 'No such site');
    this.sites.set(site.id, site);
    const config = await this.siteConfig(site);
    this.publish([Topic.siteVisitors(site.id), Topic.siteAgents(site.id)], { type: 'site', site: config });
    return config;
  }

  private async agentName(id: string): Promise<string | null> {
    const cached = this.agentNames.get(id);
    if (cached !== undefined) return cached;
    const a = await this.storage.getAgent(id);
    if (!a) return null;
    this.agentNames.set(id, a.name);
    return a.name;
  }

  agentInfo(a: AgentRecord): AgentInfo {
    return {
      id: a.id,
      siteId: a.siteId,
      email: a.email,
      name: a.name,
      role: a.role,
      status: this.presence.status(a.id),
    };
  }

  async summary(conv: ConversationRecord, visitor?: VisitorRecord): Promise<ConversationSummary> {
    const v = visitor ?? (await this.storage.getVisitor(conv.visitorId));
    if (!v) throw new Error(`conversation ${conv.id} has no visitor ${conv.visitorId}`);
    const name = conv.agentId !== null ? await this.agentName(conv.agentId) : null;
    return toSummary(conv, v, name, this.hub.topicSize(Topic.visitor(v.id)) > 0);
  }

  /** The conversation, if this agent's site owns it. */
  /** The conversation, when this agent may see it (their site), else SB_ERR_NOT_FOUND-like refusal. */
  async agentConversation(agent: AgentRecord, id: string): Promise<ConversationRecord> {
    const conv = await this.storage.getConversation(id);
    if (!conv || conv.siteId !== agent.siteId) throw sbError(ErrorCode.NotFound, 'No such conversation');
    return conv;
  }

  /** The conversation, if it is this visitor's. */
  /** The conversation, when it is this visitor's, else a refusal. */
  async visitorConversation(v: VisitorActor, id: string): Promise<ConversationRecord> {
    const conv = await this.storage.getConversation(id);
    if (!conv || conv.visitorId !== v.visitorId) throw sbError(ErrorCode.NotFound, 'No such conversation');
    return conv;
  }

  async currentConversation(visitorId: string): Promise<ConversationRecord | null> {
    return (await this.storage.listVisitorConversations(visitorId, 1))[0] ?? null;
  }

  // ------------------------------------------------------------ publishing

  publish(topics: readonly string[], frame: ServerFrame): void {
    this.hub.publish(topics, frame);
  }

  /**
   * Queue a `conversation` frame. `state` = status, assignee, department or visitor changed:
   * every agent of the site and the visitor get it. Otherwise only the last message moved:
   * see `flushSummaries`.
   */
  touch(conv: ConversationRecord | string, state: boolean): void {
    const id = typeof conv === 'string' ? conv : conv.id;
    const record = typeof conv === 'string' ? null : conv;
    const held = this.dirty.get(id);
    if (held) {
      held.state ||= state;
      // Keep the newest row we know of (a string touch means "re-read it").
      held.conv =
        record === null ? null : !held.conv || record.updatedAt >= held.conv.updatedAt ? record : held.conv;
    } else {
      this.dirty.set(id, { state, conv: record });
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flushSummaries();
    });
  }

  /**
   * Who hears a summary: a state change goes to every agent of the site and the visitor.
   * A last-message update of a queued conversation goes to every agent (the queue preview);
   * of an assigned one only to the site's admins (they supervise), as the assignee and the
   * agents watching it derive the preview from the `message` frame; of a closed one to nobody.
   */
  private async flushSummaries(): Promise<void> {
    const entries = [...this.dirty];
    this.dirty.clear();
    for (const [id, entry] of entries) {
      if (this.closed) return;
      try {
        const conv = entry.conv ?? (await this.storage.getConversation(id));
        if (!conv) continue;
        const topics = entry.state
          ? summaryTopics(conv)
          : conv.status === 'queued'
            ? [Topic.siteAgents(conv.siteId)]
            : conv.status === 'assigned'
              ? [Topic.siteAdmins(conv.siteId)]
              : [];
        // Nobody would hear it: skip building the summary (a visitor read).
        if (!this.hub.mayHaveSubscribers(topics)) continue;
        this.publish(topics, { type: 'conversation', conversation: await this.summary(conv) });
      } catch (err) {
        this.log.error({ err, conversationId: id }, 'could not publish a conversation summary');
      }
    }
  }

  private publishMessage(
    conv: ConversationRecord,
    message: Message,
    extraAgents: (string | null)[] = [],
  ): void {
    this.publish(messageTopics(conv, extraAgents), { type: 'message', message });
    this.touch(conv, false);
  }

  private publishTransition(r: TransitionResult, previousAgent: string | null): void {
    const extra = [previousAgent];
    if (r.message)
      this.publish(messageTopics(r.conversation, extra), { type: 'message', message: r.message });
    if (r.note) this.publish(agentSideTopics(r.conversation, extra), { type: 'note', note: r.note });
    this.touch(r.conversation, true);
  }

  // ------------------------------------------------------------ messages

  private async lockVisitor<T>(visitorId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.visitorLocks.get(visitorId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.visitorLocks.set(visitorId, tail);
    void tail.then(() => {
      if (this.visitorLocks.get(visitorId) === tail) this.visitorLocks.delete(visitorId);
    });
    return run;
  }

  private commit(conv: ConversationRecord, input: NewMessage, cid: string): Promise<AckFrame> {
    return this.writer.append(input).then((r) => {
      if (!r.ok) throw sbError(ErrorCode.NotFound, 'No such conversation');
      // Routed by the row as of the commit (an assignee may have changed since `conv` was read).
      if (!r.duplicate) this.publishMessage(r.conversation, r.message, [conv.agentId]);
      return ackOf(cid, r.message);
    });
  }

  /** Visitor `send`: creates the conversation if there is none, reopens a closed one. */
  async visitorSend(v: VisitorActor, visitorName: string, frame: VisitorSendFrame): Promise<Accepted> {
    const text = validText(frame.text, this.maxTextChars);
    const sender = Sender.visitor(v.visitorId);

    return this.lockVisitor(v.visitorId, async () => {
      let conv =
        frame.conversationId !== undefined
          ? await this.visitorConversation(v, frame.conversationId)
          : await this.currentConversation(v.visitorId);
      const now = Date.now();
      const plan = planVisitorSend(conv);
      // A resent cid is caught by the group commit ((sender, cid) is unique) — no read on the
      // hot path. Only before creating or reopening a conversation do we look first, so a
      // resend of an already stored message never reopens or creates anything.
      if (plan !== 'append') {
        const dup = await this.storage.findMessageByCid(sender, frame.cid);
        if (dup) return { done: Promise.resolve(ackOf(frame.cid, dup)) };
      }
      if (plan === 'create' || conv === null) {
        const site = await this.site(v.siteId);
        const dept =
          frame.department && site?.departments.includes(frame.department) ? frame.department : null;
        conv = await this.storage.createConversation({
          siteId: v.siteId,
          visitorId: v.visitorId,
          department: dept,
          status: 'queued',
          at: now,
        });
      } else if (plan === 'reopen') {
        conv = await this.applyWithRetry(conv, (c) => decideReopen(c), now, null);
      }
      const author: Author = { kind: 'visitor', id: v.visitorId, name: visitorName };
      // Enqueued inside the lock: a visitor's messages keep their order.
      const done = this.commit(
        conv,
        { conversationId: conv.id, sender, cid: frame.cid, text, author, at: now },
        frame.cid,
      );
      return { done };
    });
  }

  /**
   * Applies a decision with compare-and-set; if the row changed meanwhile, decides again
   * from the fresh state (a few times), so concurrent commands serialise correctly.
   */
  private async applyWithRetry(
    conv: ConversationRecord,
    decide: (c: ConversationRecord) => Decision,
    at: number,
    note: { sender: string; cid: string | null; text: string; author: Author } | null,
  ): Promise<ConversationRecord> {
    let current = conv;
    for (let attempt = 0; attempt < 5; attempt++) {
      const d = decide(current);
      if (!d.ok) throw sbError(d.code, d.message);
      if (d.kind === 'noop') return current;
      const r = await this.storage.transitionConversation(current.id, {
        expect: { status: current.status, agentId: current.agentId },
        next: d.next,
        line: d.line,
        note: note ? { conversationId: current.id, ...note, at } : null,
        at,
      });
      if (r) {
        this.publishTransition(r, current.agentId);
        return r.conversation;
      }
      const fresh = await this.storage.getConversation(current.id);
      if (!fresh) throw sbError(ErrorCode.NotFound, 'No such conversation');
      current = fresh;
    }
    throw sbError(ErrorCode.Conflict, 'The conversation changed concurrently; retry');
  }

  async agentSend(agent: AgentRecord, frame: AgentSendFrame): Promise<Accepted> {
    const text = validText(frame.text, this.maxTextChars);
    const sender = Sender.agent(agent.id);
    const conv = await this.agentConversation(agent, frame.conversationId);
    const can = canReply(conv, actingAgent(agent));
    if (!can.ok) {
      // A resend of a reply stored before the conversation changed hands or closed: ack it.
      const dup = await this.storage.findMessageByCid(sender, frame.cid);
      if (dup) return { done: Promise.resolve(ackOf(frame.cid, dup)) };
      throwIfRefused(can);
    }
    const author: Author = { kind: 'agent', id: agent.id, name: agent.name };
    const done = this.commit(
      conv,
      { conversationId: conv.id, sender, cid: frame.cid, text, author, at: Date.now() },
      frame.cid,
    );
    return { done };
  }

  async agentNote(agent: AgentRecord, frame: AgentNoteFrame): Promise<AckFrame> {
    const text = validText(frame.text, this.maxTextChars);
    const conv = await this.agentConversation(agent, frame.conversationId);
    const { note, duplicate } = await this.storage.addNote({
      conversationId: conv.id,
      sender: Sender.agent(agent.id),
      cid: frame.cid,
      text,
      author: { kind: 'agent', id: agent.id, name: agent.name },
      at: Date.now(),
    });
    if (!duplicate) this.publish(agentSideTopics(conv, [agent.id]), { type: 'note', note });
    return { type: 'ack', cid: frame.cid, conversationId: conv.id, at: note.at };
  }

  // ------------------------------------------------------------ conversation state

  async claim(agent: AgentRecord, frame: ClaimFrame): Promise<AckFrame> {
    const acting = actingAgent(agent);
    let conv = await this.agentConversation(agent, frame.conversationId);
    for (let attempt = 0; attempt < 3; attempt++) {
      const d = decideClaim(conv, acting);
      if (!d.ok) throw sbError(d.code, d.message);
      if (d.kind === 'noop') break;
      const r = await this.storage.claimConversation(conv.id, agent.id, d.line, Date.now());
      if (r) {
        this.publishTransition(r, null);
        conv = r.conversation;
        break;
      }
      // Someone else changed it first: decide again from the fresh row (→ ALREADY_CLAIMED).
      conv = await this.agentConversation(agent, frame.conversationId);
    }
    return { type: 'ack', cid: frame.cid, conversationId: conv.id, seq: conv.lastSeq };
  }

  async transfer(agent: AgentRecord, frame: TransferFrame): Promise<AckFrame> {
    const conv = await this.agentConversation(agent, frame.conversationId);
    const site = await this.site(agent.siteId);
    let target: { id: string; name: string } | null = null;
    if (frame.toAgentId !== undefined) {
      const to = await this.storage.getAgent(frame.toAgentId);
      if (!to || to.siteId !== agent.siteId) throw sbError(ErrorCode.NotFound, 'No such agent');
      target = { id: to.id, name: to.name };
    }
    const departmentGiven = Object.hasOwn(frame, 'department');
    const noteText = frame.note?.trim();
    const note = noteText
      ? {
          sender: Sender.agent(agent.id),
          cid: frame.cid,
          text: noteText,
          author: { kind: 'agent' as const, id: agent.id, name: agent.name },
        }
      : null;
    const next = await this.applyWithRetry(
      conv,
      (c) =>
        decideTransfer(
          c,
          actingAgent(agent),
          departmentGiven ? { agent: target, department: frame.department ?? null } : { agent: target },
          site?.departments ?? [],
        ),
      Date.now(),
      note,
    );
    return { type: 'ack', cid: frame.cid, conversationId: next.id, seq: next.lastSeq };
  }

  async close(agent: AgentRecord, frame: CloseFrame): Promise<AckFrame> {
    const conv = await this.agentConversation(agent, frame.conversationId);
    const next = await this.applyWithRetry(conv, (c) => decideClose(c, actingAgent(agent)), Date.now(), null);
    return { type: 'ack', cid: frame.cid, conversationId: next.id, seq: next.lastSeq };
  }

  /** The agent stayed offline past the grace period: their conversations go back to the queue. */
  async requeueAgent(agentId: string): Promise<number> {
    let n = 0;
    for (const conv of await this.storage.listAgentConversations(agentId)) {
      try {
        const after = await this.applyWithRetry(conv, (c) => decideRequeue(c, agentId), Date.now(), null);
        if (after.status === 'queued') n++;
      } catch (err) {
        this.log.warn({ err, conversationId: conv.id }, 'could not re-queue a conversation');
      }
    }
    return n;
  }

  // ------------------------------------------------------------ history, read, typing, profile

  async visitorRead(v: VisitorActor, conversationId: string, seq: number): Promise<void> {
    const conv = await this.visitorConversation(v, conversationId);
    const value = await this.storage.setReadSeq(conv.id, 'visitor', seq);
    if (value === null) return;
    // The agent side shows "Seen"; the visitor's other tabs clear their unread count.
    this.publish([Topic.visitor(conv.visitorId), ...agentSideTopics(conv)], {
      type: 'read',
      conversationId: conv.id,
      by: 'visitor',
      seq: value,
    });
  }

  async agentRead(agent: AgentRecord, conversationId: string, seq: number): Promise<void> {
    const conv = await this.agentConversation(agent, conversationId);
    throwIfRefused(canSpeakFor(conv, actingAgent(agent)));
    const value = await this.storage.setReadSeq(conv.id, 'agent', seq);
    if (value === null) return;
    this.publish(messageTopics(conv), { type: 'read', conversationId: conv.id, by: 'agent', seq: value });
  }

  async visitorTyping(
    v: VisitorActor,
    name: string,
    conversationId: string | undefined,
    on: boolean,
  ): Promise<void> {
    const conv =
      conversationId !== undefined
        ? await this.visitorConversation(v, conversationId)
        : await this.currentConversation(v.visitorId);
    if (!conv || conv.status === 'closed') return;
    this.publish(agentSideTopics(conv), {
      type: 'typing',
      conversationId: conv.id,
      from: { kind: 'visitor', id: v.visitorId, name },
      on,
    });
  }

  async agentTyping(agent: AgentRecord, conversationId: string, on: boolean): Promise<void> {
    const conv = await this.agentConversation(agent, conversationId);
    if (conv.status === 'closed') return;
    throwIfRefused(canSpeakFor(conv, actingAgent(agent)));
    this.publish(messageTopics(conv), {
      type: 'typing',
      conversationId: conv.id,
      from: { kind: 'agent', id: agent.id, name: agent.name },
      on,
    });
  }

  /** Pre-chat answers / setAttributes: stored and shown to agents. */
  async profile(
    v: VisitorActor,
    patch: { name?: string; email?: string; attributes?: Record<string, string> },
  ): Promise<VisitorRecord> {
    const cur = await this.storage.getVisitor(v.visitorId);
    if (!cur) throw sbError(ErrorCode.NotFound, 'No such visitor');
    const attributes = { ...cur.attributes, ...(patch.attributes ?? {}) };
    if (Object.keys(attributes).length > 50)
      throw sbError(ErrorCode.BadFrame, 'At most 50 attributes per visitor');
    const next = await this.storage.updateVisitor(v.visitorId, {
      // A verified identity keeps the name and email the shop vouched for.
      name: patch.name !== undefined && !cur.verified ? patch.name.trim() || null : cur.name,
      email: patch.email !== undefined && !cur.verified ? patch.email.trim() || null : cur.email,
      attributes,
      lastSeenAt: Date.now(),
    });
    if (!next) throw sbError(ErrorCode.NotFound, 'No such visitor');
    const current = await this.currentConversation(v.visitorId);
    if (current) this.touch(current, true);
    return next;
  }

  // ------------------------------------------------------------ notify (shop backend push)

  /**
   * Stores a system `notice` in the user's latest conversation (a closed one is created if
   * they have none) and pushes it live.
   */
  async notify(
    site: SiteRecord,
    userId: string,
    text: string,
  ): Promise<{ delivered: boolean; conversationId: string; seq: number }> {
    const noticeText = validText(text, this.maxTextChars);
    const now = Date.now();
    let visitor = await this.storage.findVisitorByExternalId(site.id, userId);
    if (!visitor) {
      // The shop backend vouches for its own user ids.
      visitor = {
        id: newId('v'),
        siteId: site.id,
        externalId: userId,
        name: null,
        email: null,
        verified: true,
        attributes: {},
        createdAt: now,
        lastSeenAt: now,
      };
      await this.storage.createVisitor(visitor);
    }
    const visitorId = visitor.id;
    return this.lockVisitor(visitorId, async () => {
      let conv = await this.currentConversation(visitorId);
      if (!conv) {
        conv = await this.storage.createConversation({
          siteId: site.id,
          visitorId,
          department: null,
          status: 'closed',
          at: now,
        });
      }
      const line = SystemLines.notice(noticeText);
      const r = await this.writer.append({
        conversationId: conv.id,
        sender: null,
        cid: null,
        text: line.text,
        author: { kind: 'system', name: site.name },
        event: line.event,
        at: now,
      });
      if (!r.ok) throw sbError(ErrorCode.Internal);
      this.publishMessage(r.duplicate ? conv : r.conversation, r.message);
      return {
        delivered: this.hub.topicSize(Topic.visitor(visitorId)) > 0,
        conversationId: conv.id,
        seq: r.message.seq,
      };
    });
  }

  shutdown(): void {
    this.closed = true;
    this.dirty.clear();
  }
}
