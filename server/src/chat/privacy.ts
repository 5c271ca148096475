/**
 * Personal data: a visitor's export (everything stored about them, for an access request),
 * their erasure (every row about them, in one storage transaction, announced by the
 * `visitor.deleted` webhook), and retention (closed conversations deleted N days after they
 * closed, per site).
 */
import type { ApiVisitorDeleted, Message, Note } from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { sbError } from '../errors.js';
import { newId } from '../ids.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  RatingRecord,
  Storage,
  VisitorRecord,
  VisitRecord,
} from '../storage/types.js';
import type { WebhookTargets } from '../webhooks/targets.js';
import type { Attachments } from './attachments.js';
import type { Summaries } from './summaries.js';
import type { Transitions } from './transitions.js';

const DAY_MS = 86_400_000;
/** Conversations one retention transaction deletes (keeps each write short). */
export const RETENTION_BATCH = 200;
/** Batches one sweep of one site runs at most (the next sweep goes on). */
const RETENTION_MAX_BATCHES = 50;
/** Every conversation of a visitor is exported and erased; more than this is refused as a safeguard. */
const MAX_VISITOR_CONVERSATIONS = 10_000;
const MESSAGE_PAGE = 1000;

export interface VisitorData {
  visitor: VisitorRecord;
  visit: VisitRecord | null;
  block: BlockRecord | null;
  conversations: {
    conversation: ConversationRecord;
    messages: Message[];
    notes: Note[];
    ratings: RatingRecord[];
  }[];
}

export class Privacy {
  /** Set by the gateway: the erased visitor's sockets close, on every node. */
  onVisitorDeleted: ((siteId: string, visitorId: string) => void) | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly transitions: Transitions,
    private readonly summaries: Summaries,
    private readonly webhooks: WebhookTargets,
    private readonly log: FastifyBaseLogger,
    /** The erased visitor's files go at once, not at the next sweep. */
    private readonly files: Pick<Attachments, 'sweep'>,
  ) {}

  private async visitorOf(siteId: string, visitorId: string): Promise<VisitorRecord> {
    const v = await this.storage.getVisitor(visitorId);
    if (!v || v.siteId !== siteId) throw sbError(ErrorCode.NotFound, 'No such visitor');
    return v;
  }

  /** Everything stored about one of the site's visitors, conversations oldest first. */
  async exportVisitor(siteId: string, visitorId: string): Promise<VisitorData> {
    const visitor = await this.visitorOf(siteId, visitorId);
    const [visit, block, newestFirst] = await Promise.all([
      this.storage.getVisit(visitorId),
      this.storage.getBlock(visitorId),
      this.storage.listVisitorConversations(visitorId, MAX_VISITOR_CONVERSATIONS),
    ]);
    const conversations: VisitorData['conversations'] = [];
    for (const conversation of newestFirst.reverse()) {
      const [messages, notes, ratings] = await Promise.all([
        this.allMessages(conversation.id),
        this.storage.listNotes(conversation.id),
        this.storage.listRatings(conversation.id),
      ]);
      conversations.push({ conversation, messages, notes, ratings });
    }
    return { visitor, visit, block, conversations };
  }

  private async allMessages(conversationId: string): Promise<Message[]> {
    const out: Message[] = [];
    for (;;) {
      const page = await this.storage.messagesSince(conversationId, out.at(-1)?.seq ?? 0, MESSAGE_PAGE);
      out.push(...page);
      if (page.length < MESSAGE_PAGE) return out;
    }
  }

  /**
   * Erases one of the site's visitors. Their open conversations are closed first (as an admin
   * closes them), so every console shows them closed; then one storage transaction deletes
   * every row about them and writes `visitor.deleted`; their sockets close (4401: a widget
   * still open starts afresh as a new, anonymous visitor).
   */
  async deleteVisitor(by: AgentRecord, siteId: string, visitorId: string): Promise<ApiVisitorDeleted> {
    const visitor = await this.visitorOf(siteId, visitorId);
    const closer: AgentRecord = { ...by, role: 'admin' };
    for (const c of await this.storage.listVisitorConversations(visitorId, MAX_VISITOR_CONVERSATIONS)) {
      if (c.status === 'closed') continue;
      await this.transitions.close(closer, { type: 'close', cid: newId('era'), conversationId: c.id });
      const closed = await this.storage.getConversation(c.id);
      if (closed) await this.summaries.publishNow(closed, visitor);
    }
    const deleted = await this.storage.deleteVisitor(visitorId, Date.now(), await this.webhooks.of(siteId));
    if (!deleted) throw sbError(ErrorCode.NotFound, 'No such visitor');
    await this.files.sweep();
    this.onVisitorDeleted?.(siteId, visitorId);
    this.log.info(
      { site: siteId, visitor: visitorId, by: by.id, conversations: deleted.conversationIds.length },
      'visitor erased',
    );
    return { visitorId, conversations: deleted.conversationIds.length, messages: deleted.messages };
  }

  /**
   * Applies every site's retention at `now`: closed conversations closed more than
   * `retentionDays` ago are deleted, in short transactions. Returns how many went, per site.
   */
  async applyRetention(
    sites: readonly { id: string; retentionDays?: number | null }[],
    now: number,
  ): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const site of sites) {
      const days = site.retentionDays;
      if (!days) continue;
      const before = now - days * DAY_MS;
      let n = 0;
      for (let i = 0; i < RETENTION_MAX_BATCHES; i++) {
        const ids = await this.storage.deleteClosedConversations(site.id, before, RETENTION_BATCH);
        n += ids.length;
        if (ids.length < RETENTION_BATCH) break;
      }
      if (n > 0) {
        out[site.id] = n;
        this.log.info(
          { site: site.id, conversations: n, retentionDays: days },
          'retention: closed conversations deleted',
        );
      }
    }
    return out;
  }
}
