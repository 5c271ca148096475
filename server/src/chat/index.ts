/**
 * The chat layer: the use cases (sessions, send, claim, transfer, close, read, typing,
 * notify…) and the only code that talks to `Storage`. It asks routing (pure) what a
 * command means, applies it through storage (atomic, compare-and-set), and publishes the
 * resulting frames through the hub. It knows nothing about sockets beyond "publish these
 * frames to these topics"; the WebSocket and HTTP transports call this facade.
 *
 *   sites.ts         site cache, SiteConfig, settings, business-hours poller
 *   agents.ts        agent names, AgentInfo
 *   conversations.ts conversation lookups with their access checks
 *   sessions.ts      visitor identity, principals, welcome at hello, profile
 *   messages.ts      send, note, read, typing
 *   transitions.ts   claim / transfer / close / reopen / re-queue: one compare-and-set path
 *   summaries.ts     `conversation` frames, coalesced per turn
 *   locks.ts         per-visitor serialisation
 *   notify.ts        the shop backend's push
 *   history.ts       paged transcripts for replays
 *   visits.ts        the visitor's current visit (context panel)
 *   privacy.ts       a visitor's export and erasure, retention
 */

import type {
  AckFrame,
  AgentInfo,
  AgentNoteFrame,
  AgentSendFrame,
  AgentWelcomeFrame,
  ApiVisitorDeleted,
  ClaimFrame,
  CloseFrame,
  PageFrame,
  RateFrame,
  SiteConfig,
  SiteSettingsRequest,
  TransferFrame,
  VisitContext,
  VisitorSendFrame,
} from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { BlobStore } from '../blobs/index.js';
import { sbError } from '../errors.js';
import { originAllowed } from '../http/origin.js';
import type { Hub } from '../hub.js';
import { newId } from '../ids.js';
import type { Limits } from '../limits.js';
import { type Mailer, NO_MAIL } from '../mail/mailer.js';
import type { Presence } from '../presence.js';
import type { MessageWriter } from '../storage/message-writer.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  SitePatch,
  SiteRecord,
  Storage,
  VisitorRecord,
} from '../storage/types.js';
import { WebhookTargets } from '../webhooks/targets.js';
import { Agents } from './agents.js';
import { type AttachmentLimits, Attachments } from './attachments.js';
import { AutoAssigner } from './auto-assign.js';
import { Conversations, type VisitorActor } from './conversations.js';
import { History, type PageLimits } from './history.js';
import { LeftMail } from './left-mail.js';
import { VisitorLocks } from './locks.js';
import { type Accepted, Messages } from './messages.js';
import { type Notified, type NotifyInput, notify } from './notify.js';
import { Privacy, type VisitorData } from './privacy.js';
import { ReplyMail } from './reply-mail.js';
import { type SessionRequest, Sessions, type VisitorWelcome } from './sessions.js';
import { Sites, settingsPatch } from './sites.js';
import { Summaries } from './summaries.js';
import { Transcripts, type VisitorTranscript } from './transcripts.js';
import { Transitions } from './transitions.js';
import { type VisitClient, type VisitorContext, Visits } from './visits.js';

/** The record types transport code may hold (it never imports storage itself). */
export type { AgentRecord, ConversationRecord, SiteRecord, VisitorRecord } from '../storage/types.js';
export { actingAgent } from './agents.js';
export type { VisitorActor } from './conversations.js';
export { NEWEST, type Page, type PageLimits } from './history.js';
export type { Accepted } from './messages.js';
export type { VisitorData } from './privacy.js';
export type { SessionRequest, VisitorWelcome } from './sessions.js';
export { escapeHtml, transcriptText, type VisitorTranscript } from './transcripts.js';
export { firstLanguage, type VisitClient, type VisitorContext } from './visits.js';

export interface ChatDeps {
  storage: Storage;
  writer: MessageWriter;
  hub: Hub;
  presence: Presence;
  log: FastifyBaseLogger;
  maxTextChars: number;
  /** Transcript pages (replays and scroll-back). */
  history: PageLimits;
  /** The sites' webhooks (the outbox rows written with each change); default: read from storage. */
  webhooks?: WebhookTargets;
  /** Outgoing mail (email continuity); default: none. */
  mailer?: Mailer;
  /** How long a reply waits for an offline visitor before it is mailed. */
  mailReplyDelayMs?: number;
  /** How long after a message left while nobody was online the agents' digest is mailed. */
  mailDigestDelayMs?: number;
  /** Where agents open the console (links in mails). */
  consoleUrl?: string;
  /** The shared abuse counters (the per-site cap on new conversations); default: no cap. */
  counters?: Limits;
  /** New conversations a site may open per minute (a bucket of that size, refilled over the minute); 0: no cap. */
  newConversationsPerMinute?: number;
  /** Told when a queued conversation gets an agent, with how long it waited (metrics). */
  onWaitEnded?: (siteId: string, waitMs: number) => void;
  /** Attachment bytes, the key their links are signed with, and the upload limits. */
  files: { blobs: BlobStore; secret: string; limits: AttachmentLimits };
}

/** The per-site cap on new conversations, as a token bucket in the shared counters. */
function conversationGate(
  counters: Limits | undefined,
  perMinute: number,
): ((siteId: string) => Promise<boolean>) | undefined {
  if (!counters || perMinute <= 0) return undefined;
  const rule = { burst: perMinute, refillPerSec: perMinute / 60 };
  return (siteId) => counters.take(`newconv:site:${siteId}`, rule);
}

export class ChatService {
  private readonly storage: Storage;
  private readonly writer: MessageWriter;
  private readonly sites: Sites;
  private readonly agents: Agents;
  private readonly conversations: Conversations;
  private readonly summaries: Summaries;
  private readonly transitions: Transitions;
  private readonly messages: Messages;
  private readonly sessions: Sessions;
  private readonly visits: Visits;
  private readonly transcripts: Transcripts;
  private readonly notifyDeps: Parameters<typeof notify>[0];
  private readonly log: FastifyBaseLogger;
  /** Automatic assignment of sites in `auto` mode. */
  readonly autoAssign: AutoAssigner;
  /** Which webhooks want which events, per site (cleared on administration changes). */
  readonly webhooks: WebhookTargets;
  /** @internal tests check it drains */
  readonly visitorLocks = new VisitorLocks();
  /** Paged transcripts (the gateway's replays read them). */
  readonly history: History;
  /** Agents' replies mailed to visitors who left (a no-op without mail). */
  readonly replyMail: ReplyMail;
  /** Messages left while nobody was online, mailed to the site's agents (a no-op without mail). */
  readonly leftMail: LeftMail;
  /** Export, erasure, retention. */
  readonly privacy: Privacy;
  /** Files sent with messages: uploads, signed links, reads, the sweep. */
  readonly attachments: Attachments;

  constructor(deps: ChatDeps) {
    const { storage, writer, hub, log, maxTextChars } = deps;
    this.storage = storage;
    this.writer = writer;
    this.log = log;
    this.attachments = new Attachments(storage, deps.files.blobs, deps.files.secret, deps.files.limits, log);
    this.history = new History(storage, deps.history, this.attachments);
    this.sites = new Sites(storage, deps.presence, hub, deps.mailer?.enabled ?? false);
    this.agents = new Agents(storage, deps.presence);
    this.conversations = new Conversations(storage);
    this.summaries = new Summaries(storage, hub, this.agents, log);
    this.webhooks = deps.webhooks ?? new WebhookTargets(storage);
    this.transitions = new Transitions(
      storage,
      hub,
      this.conversations,
      this.sites,
      this.summaries,
      log,
      this.webhooks,
    );
    const locks = this.visitorLocks;
    const conversations = this.conversations;
    this.messages = new Messages({
      storage,
      writer,
      hub,
      conversations,
      sites: this.sites,
      summaries: this.summaries,
      transitions: this.transitions,
      locks,
      maxTextChars,
      webhooks: this.webhooks,
      attachments: this.attachments,
      admitConversation: conversationGate(deps.counters, deps.newConversationsPerMinute ?? 0),
    });
    this.replyMail = new ReplyMail(
      storage,
      hub,
      deps.mailer ?? NO_MAIL,
      deps.mailReplyDelayMs ?? 60_000,
      log,
    );
    this.messages.onAgentReply = (conv) => this.replyMail.replied(conv);
    this.leftMail = new LeftMail(
      storage,
      deps.mailer ?? NO_MAIL,
      (siteId) => deps.presence.agentsOnline(siteId),
      deps.mailDigestDelayMs ?? 300_000,
      deps.consoleUrl ?? 'http://localhost:8080/console',
      log,
    );
    this.messages.onVisitorMessage = (conv, at) => this.leftMail.visitorWrote(conv.siteId, at);
    this.sessions = new Sessions(storage, this.sites, this.agents, conversations, this.summaries);
    this.visits = new Visits(storage, hub);
    this.transcripts = new Transcripts(storage, conversations, this.sites, deps.mailer ?? NO_MAIL);
    this.autoAssign = new AutoAssigner(
      storage,
      this.sites,
      deps.presence,
      this.transitions,
      log,
      hub,
      this.summaries,
    );
    const assign = (siteId: string, joined = false) => this.autoAssign.schedule(siteId, joined);
    this.transitions.onChanged = assign;
    this.transitions.onWaitEnded = deps.onWaitEnded ?? null;
    this.transitions.statusOf = (id) => deps.presence.status(id);
    this.messages.onQueued = assign;
    this.privacy = new Privacy(
      storage,
      this.transitions,
      this.summaries,
      this.webhooks,
      log,
      this.attachments,
    );
    this.notifyDeps = {
      storage,
      writer,
      hub,
      conversations,
      messages: this.messages,
      locks,
      maxTextChars,
      webhooks: this.webhooks,
    };
  }

  /** Throws when the database is unreachable (readiness probe). */
  ping(): Promise<void> {
    return this.storage.ping();
  }

  /** Commits every message queued for the group commit (graceful shutdown). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  // ------------------------------------------------------------ sites

  site(id: string): Promise<SiteRecord | null> {
    return this.sites.get(id);
  }

  siteConfig(siteOrId: SiteRecord | string): Promise<SiteConfig> {
    return this.sites.config(siteOrId);
  }

  /** Called after this node changed a site's settings (the cluster tells the others). */
  set onSiteChanged(fn: ((siteId: string) => void) | null) {
    this.sites.onChanged = fn;
  }

  /** Another node changed a site: refresh the cached row. */
  refreshSite(siteId: string): Promise<void> {
    return this.sites.refresh(siteId);
  }

  /**
   * After an administration change anywhere (watch.ts): cached sites and agent names are read
   * again, and the conversations of deactivated members go back to the queue.
   */
  async adminChanged(): Promise<void> {
    await this.sites.refreshAll();
    this.agents.forgetAll();
    this.webhooks.clear();
    // A mode or a capacity may have changed: queues are planned again.
    for (const siteId of this.sites.cachedIds()) this.autoAssign.schedule(siteId);
    for (const { agentId, siteId } of await this.storage.listAssignedAgents()) {
      const a = await this.storage.getAgent(agentId, siteId);
      if (a?.active) continue;
      const n = await this.requeueAgent(agentId, siteId);
      if (n > 0)
        this.log.info({ agentId, siteId, conversations: n }, 'agent deactivated: conversations re-queued');
    }
  }

  /** An admin changed the site (admin API): cache it and push the new config to its clients. */
  siteChanged(site: SiteRecord): Promise<SiteConfig> {
    return this.sites.changed(site);
  }

  publishOpeningChanges(now?: Date): Promise<void> {
    return this.sites.publishOpeningChanges(now);
  }

  updateSiteSettings(siteId: string, body: SiteSettingsRequest): Promise<SiteConfig> {
    return this.sites.updateSettings(siteId, body);
  }

  /** The widget settings of `body` as a site patch (throws SB_ERR_VALIDATION). */
  settingsPatch(body: SiteSettingsRequest): SitePatch {
    return settingsPatch(body);
  }

  // ------------------------------------------------------------ agents

  /** The agent as a member of `siteId` (deactivated members too: callers check `active`). */
  agent(id: string, siteId: string): Promise<AgentRecord | null> {
    return this.storage.getAgent(id, siteId);
  }

  listAgents(siteId: string): Promise<AgentRecord[]> {
    return this.storage.listAgents(siteId);
  }

  /** Compare-and-set of the password hash (the transparent rehash on sign-in). */
  updateAgentPasswordHash(id: string, from: string, to: string): Promise<boolean> {
    return this.storage.updateAgentPasswordHash(id, from, to);
  }

  /** Agents holding assigned conversations (on start: who must come back). */
  agentsWithAssignedConversations(): Promise<{ agentId: string; siteId: string }[]> {
    return this.storage.listAssignedAgents();
  }

  agentInfo(a: AgentRecord): AgentInfo {
    return this.agents.info(a);
  }

  // ------------------------------------------------------------ sessions and hello

  visitor(id: string): Promise<VisitorRecord | null> {
    return this.storage.getVisitor(id);
  }

  startVisitorSession(site: SiteRecord, req: SessionRequest): Promise<VisitorRecord> {
    return this.sessions.start(site, req);
  }

  visitorWelcome(visitor: VisitorRecord, siteId: string): Promise<VisitorWelcome> {
    return this.sessions.visitorWelcome(visitor, siteId);
  }

  agentCursorConversations(agent: AgentRecord, ids: readonly string[]): Promise<ConversationRecord[]> {
    return this.sessions.agentCursorConversations(agent, ids);
  }

  agentWelcome(agent: AgentRecord): Promise<AgentWelcomeFrame> {
    return this.sessions.agentWelcome(agent);
  }

  profile(
    v: VisitorActor,
    patch: { name?: string; email?: string; attributes?: Record<string, string> },
  ): Promise<VisitorRecord> {
    return this.sessions.profile(v, patch);
  }

  // ------------------------------------------------------------ visits (context panel)

  /** The page the widget reported in `hello` continues the visit (or starts one); agents hear it. */
  visitHello(v: VisitorActor, ctx: VisitContext, client: VisitClient): Promise<void> {
    return this.visits.hello(v, ctx, client);
  }

  /** A new page of the visit (the widget's `page` frame). */
  visitPage(v: VisitorActor, frame: PageFrame): Promise<void> {
    return this.visits.page(v, frame);
  }

  /** The visit and the conversations of one of the site's visitors. */
  visitorContext(siteId: string, visitorId: string): Promise<VisitorContext> {
    return this.visits.context(siteId, visitorId);
  }

  // ------------------------------------------------------------ blocking

  /** Set by the gateway: close, on every node, the sockets of the site's blocked visitors. */
  onVisitorsBlocked: ((siteId: string) => void) | null = null;

  isBlocked(visitorId: string): Promise<boolean> {
    return this.storage.getBlock(visitorId).then((b) => b !== null);
  }

  /**
   * Blocks a visitor of `by`'s site (abuse, spam): their sockets close (4403) on every node,
   * new sessions are refused, and their open conversations close. Blocking twice keeps the first.
   */
  async blockVisitor(by: AgentRecord, visitorId: string, reason: string | null): Promise<BlockRecord> {
    const visitor = await this.storage.getVisitor(visitorId);
    if (!visitor || visitor.siteId !== by.siteId) throw sbError(ErrorCode.NotFound, 'No such visitor');
    await this.storage.blockVisitor({
      visitorId,
      siteId: by.siteId,
      by: by.id,
      reason,
      createdAt: Date.now(),
    });
    this.onVisitorsBlocked?.(by.siteId);
    // Closed as an admin would: a queued one, or one another agent holds, closes too.
    const closer: AgentRecord = { ...by, role: 'admin' };
    for (const c of await this.storage.listVisitorConversations(visitorId, 50)) {
      if (c.status === 'closed') continue;
      await this.transitions.close(closer, { type: 'close', cid: newId('blk'), conversationId: c.id });
    }
    const block = await this.storage.getBlock(visitorId);
    if (!block) throw sbError(ErrorCode.Conflict, 'The visitor was unblocked meanwhile');
    return block;
  }

  async unblockVisitor(siteId: string, visitorId: string): Promise<void> {
    const block = await this.storage.getBlock(visitorId);
    if (!block || block.siteId !== siteId) throw sbError(ErrorCode.NotFound, 'This visitor is not blocked');
    await this.storage.unblockVisitor(visitorId);
  }

  listBlocks(siteId: string): Promise<BlockRecord[]> {
    return this.storage.listBlocks(siteId);
  }

  // ------------------------------------------------------------ personal data

  /** Everything stored about one of the site's visitors (admins' export). */
  exportVisitor(siteId: string, visitorId: string): Promise<VisitorData> {
    return this.privacy.exportVisitor(siteId, visitorId);
  }

  /** Erases one of the site's visitors (see privacy.ts). */
  deleteVisitor(by: AgentRecord, siteId: string, visitorId: string): Promise<ApiVisitorDeleted> {
    return this.privacy.deleteVisitor(by, siteId, visitorId);
  }

  /** Conversations waiting for an agent, per site (the metrics' queue length). */
  async queueLengths(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const site of await this.storage.listSites()) {
      out.set(site.id, (await this.storage.listQueue(site.id)).length);
    }
    return out;
  }

  async applyRetention(now = Date.now()): Promise<Record<string, number>> {
    // Console sessions past their end go with the same sweep, and so do files no message
    // carries any more (deleted conversations) or never carried (an upload never sent).
    await this.storage.deleteExpiredRefreshSessions(now);
    const deleted = await this.privacy.applyRetention(await this.storage.listSites(), now);
    await this.attachments.sweep(now);
    return deleted;
  }

  // ------------------------------------------------------------ conversations

  conversation(id: string): Promise<ConversationRecord | null> {
    return this.conversations.get(id);
  }

  agentConversation(agent: AgentRecord, id: string): Promise<ConversationRecord> {
    return this.conversations.ofAgent(agent, id);
  }

  visitorConversation(v: VisitorActor, id: string): Promise<ConversationRecord> {
    return this.conversations.ofVisitor(v, id);
  }

  // ------------------------------------------------------------ transcripts

  /** Some site allows `origin` (a preflight names no site: the request itself is checked). */
  async originOfAnySite(origin: string): Promise<boolean> {
    return (await this.storage.listSites()).some((s) => originAllowed(origin, s.allowedOrigins));
  }

  /** The visitor's own conversation (or their current one) as the text agents export too. */
  async visitorTranscript(v: VisitorActor, conversationId: string | undefined): Promise<VisitorTranscript> {
    const t = await this.transcripts.ofVisitor(v, conversationId);
    return { conversationId: t.conversationId, text: t.text };
  }

  /** Mails the visitor's transcript to their stored email. */
  mailVisitorTranscript(v: VisitorActor, conversationId: string | undefined): Promise<void> {
    return this.transcripts.mailToVisitor(v, conversationId);
  }

  // ------------------------------------------------------------ commands

  visitorSend(v: VisitorActor, visitorName: string, frame: VisitorSendFrame): Promise<Accepted> {
    return this.messages.visitorSend(v, visitorName, frame);
  }

  agentSend(agent: AgentRecord, frame: AgentSendFrame): Promise<Accepted> {
    return this.messages.agentSend(agent, frame);
  }

  visitorRate(v: VisitorActor, frame: RateFrame): Promise<AckFrame> {
    return this.messages.visitorRate(v, frame);
  }

  agentNote(agent: AgentRecord, frame: AgentNoteFrame): Promise<AckFrame> {
    return this.messages.agentNote(agent, frame);
  }

  visitorRead(v: VisitorActor, conversationId: string, seq: number): Promise<void> {
    return this.messages.visitorRead(v, conversationId, seq);
  }

  agentRead(agent: AgentRecord, conversationId: string, seq: number): Promise<void> {
    return this.messages.agentRead(agent, conversationId, seq);
  }

  visitorTyping(
    v: VisitorActor,
    name: string,
    conversationId: string | undefined,
    on: boolean,
  ): Promise<void> {
    return this.messages.visitorTyping(v, name, conversationId, on);
  }

  agentTyping(agent: AgentRecord, conversationId: string, on: boolean): Promise<void> {
    return this.messages.agentTyping(agent, conversationId, on);
  }

  claim(agent: AgentRecord, frame: ClaimFrame): Promise<AckFrame> {
    return this.transitions.claim(agent, frame);
  }

  transfer(agent: AgentRecord, frame: TransferFrame): Promise<AckFrame> {
    return this.transitions.transfer(agent, frame);
  }

  close(agent: AgentRecord, frame: CloseFrame): Promise<AckFrame> {
    return this.transitions.close(agent, frame);
  }

  /** The agent stayed offline past the grace period: their conversations go back to the queue. */
  /** Every assigned conversation of the agent (of one site, when given) back to the queue. */
  requeueAgent(agentId: string, siteId?: string): Promise<number> {
    return this.transitions.requeueAgent(agentId, siteId);
  }

  notify(site: SiteRecord, input: NotifyInput): Promise<Notified> {
    return notify(this.notifyDeps, site, input);
  }

  /** An agent of the site came online (automatic assignment may give them chats). */
  agentAvailable(siteId: string): void {
    this.autoAssign.schedule(siteId);
  }

  shutdown(): void {
    this.autoAssign.close();
    this.replyMail.close();
    this.leftMail.close();
    this.summaries.shutdown();
  }
}
