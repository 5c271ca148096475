/**
 * Conversation summaries (`conversation` frames): built from stored rows, and coalesced to
 * at most one frame per conversation per turn.
 */
import type { ConversationSummary, ServerFrame, VisitorInfo } from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Hub } from '../hub.js';
import { type PreviousScope, scopeTopics, summaryTopics, Topic } from '../routing/index.js';
import type { ConversationRecord, Storage, VisitorRecord } from '../storage/types.js';
import type { Agents } from './agents.js';

export function visitorInfo(v: VisitorRecord, online?: boolean): VisitorInfo {
  const info: VisitorInfo = {
    id: v.id,
    name: v.name,
    email: v.email,
    verified: v.verified,
    attributes: v.attributes,
  };
  if (online !== undefined) info.online = online;
  return info;
}

/** The `conversation` frame payload built from stored rows. */
export function toSummary(
  conv: ConversationRecord,
  visitor: VisitorRecord,
  agentName: string | null,
  /** Whether the visitor holds a socket now (as far as this process knows). */
  visitorOnline?: boolean,
): ConversationSummary {
  return {
    id: conv.id,
    siteId: conv.siteId,
    department: conv.department,
    status: conv.status,
    visitor: visitorInfo(visitor, visitorOnline),
    agent: conv.agentId !== null ? { id: conv.agentId, name: agentName ?? 'Agent' } : null,
    lastSeq: conv.lastSeq,
    lastMessage: conv.lastMessage,
    visitorReadSeq: conv.visitorReadSeq,
    agentReadSeq: conv.agentReadSeq,
    createdAt: conv.createdAt,
    updatedAt: conv.updatedAt,
    closedAt: conv.closedAt,
    queuedAt: conv.queuedAt,
    queueFront: conv.queueFront,
  };
}

export class Summaries {
  /**
   * `state`: the status / assignee / visitor changed (everyone of the site hears it);
   * otherwise only the last message moved (see `flush` for who hears that).
   * `conv`: the row as of the change when we have it (no read needed), else null.
   */
  private readonly dirty = new Map<
    string,
    { state: boolean; conv: ConversationRecord | null; before: PreviousScope[] }
  >();
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly hub: Hub,
    private readonly agents: Agents,
    private readonly log: FastifyBaseLogger,
  ) {}

  async summary(conv: ConversationRecord, visitor?: VisitorRecord): Promise<ConversationSummary> {
    const v = visitor ?? (await this.storage.getVisitor(conv.visitorId));
    if (!v) throw new Error(`conversation ${conv.id} has no visitor ${conv.visitorId}`);
    const name = conv.agentId !== null ? await this.agents.name(conv.agentId) : null;
    return toSummary(conv, v, name, this.hub.heldAnywhere(Topic.visitor(v.id)));
  }

  /**
   * Queue a `conversation` frame. `state` = status, assignee, department or visitor changed:
   * every agent of the site and the visitor get it. Otherwise only the last message moved:
   * see `flush`.
   */
  touch(conv: ConversationRecord | string, state: boolean, before?: PreviousScope): void {
    const id = typeof conv === 'string' ? conv : conv.id;
    const record = typeof conv === 'string' ? null : conv;
    const held = this.dirty.get(id);
    if (held) {
      held.state ||= state;
      if (before) held.before.push(before);
      // Keep the newest row we know of (a string touch means "re-read it").
      held.conv =
        record === null ? null : !held.conv || record.updatedAt >= held.conv.updatedAt ? record : held.conv;
    } else {
      this.dirty.set(id, { state, conv: record, before: before ? [before] : [] });
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /**
   * Who hears a summary: a state change goes to the agents who see the conversation now and
   * those who saw it before the change (`summaryTopics`: departments, assignee), and the
   * visitor. A last-message update of a queued conversation goes to the agents who see it (the queue preview);
   * of an assigned one only to the site's admins (they supervise), as the assignee and the
   * agents watching it derive the preview from the `message` frame; of a closed one to nobody.
   */
  private async flush(): Promise<void> {
    const entries = [...this.dirty];
    this.dirty.clear();
    // Built side by side, so their reads share a statement (PostgreSQL), then published in order.
    const built = await Promise.all(entries.map(([id, entry]) => this.build(id, entry)));
    for (const b of built) if (b && !this.closed) this.hub.publish(b.topics, b.frame);
  }

  private async build(
    id: string,
    entry: { state: boolean; conv: ConversationRecord | null; before: PreviousScope[] },
  ): Promise<{ topics: string[]; frame: ServerFrame } | null> {
    if (this.closed) return null;
    try {
      const conv = entry.conv ?? (await this.storage.getConversation(id));
      if (!conv) return null;
      const topics = entry.state
        ? summaryTopics(conv, entry.before)
        : conv.status === 'queued'
          ? scopeTopics(conv)
          : conv.status === 'assigned'
            ? [Topic.siteAdmins(conv.siteId)]
            : [];
      // Nobody would hear it: skip building the summary (a visitor read).
      if (!this.hub.mayHaveSubscribers(topics)) return null;
      return { topics, frame: { type: 'conversation', conversation: await this.summary(conv) } };
    } catch (err) {
      this.log.error({ err, conversationId: id }, 'could not publish a conversation summary');
      return null;
    }
  }

  /**
   * Publishes a conversation's state summary now, built with `visitor` (who is about to be
   * erased: a later flush could not read them), instead of the one queued for this turn.
   */
  async publishNow(conv: ConversationRecord, visitor: VisitorRecord): Promise<void> {
    const held = this.dirty.get(conv.id);
    this.dirty.delete(conv.id);
    const topics = summaryTopics(conv, held?.before ?? []);
    if (!this.hub.mayHaveSubscribers(topics)) return;
    this.hub.publish(topics, { type: 'conversation', conversation: await this.summary(conv, visitor) });
  }

  shutdown(): void {
    this.closed = true;
    this.dirty.clear();
  }
}
