/**
 * The storage seam: a narrow, async interface so a Postgres implementation can sit next
 * to the SQLite one and pass the same test suite. Routing never sees it; the chat
 * service calls it.
 */
import type {
  AgentRole,
  Attachment,
  AttachmentType,
  Author,
  BusinessHours,
  ConversationStatus,
  LastMessage,
  Message,
  Note,
  PageView,
  SystemEvent,
  WebhookEventType,
} from '@switchboard/protocol';
import type { ConversationState, SystemLine } from '../routing/types.js';

/** Routing's types, re-exported for the stores that apply its decisions. */
export type { ConversationState, SystemLine };

export type AssignmentMode = 'manual' | 'auto';

export interface SiteRecord {
  id: string;
  name: string;
  /** Shared secret: identity hashes (HMAC) and the notify API's bearer token. */
  secret: string;
  /** Exact origins (`https://shop.example`) or `http://localhost:*` patterns (any port). */
  allowedOrigins: string[];
  departments: string[];
  color: string;
  title: string;
  greeting: string;
  /** null / absent: always open. */
  businessHours?: BusinessHours | null;
  /** 'manual' (default): agents claim from the queue; 'auto': the server assigns. */
  assignment?: AssignmentMode;
  /** Per-department overrides of `assignment` (a department not listed follows the site). */
  departmentAssignment?: Record<string, AssignmentMode>;
  /** Closed conversations are deleted this many days after closing; null / absent: kept. */
  retentionDays?: number | null;
  /** After a rotation: the secret before it, still accepted until `previousSecretUntil`. */
  previousSecret?: string | null;
  previousSecretUntil?: number | null;
  createdAt: number;
}

/** What an admin may change (console settings, the CLI's origins). */
export type SitePatch = Partial<
  Pick<SiteRecord, 'name' | 'allowedOrigins' | 'color' | 'title' | 'greeting' | 'departments'> & {
    assignment: AssignmentMode;
    departmentAssignment: Record<string, AssignmentMode>;
    businessHours: BusinessHours | null;
    retentionDays: number | null;
  }
>;

/** A person who signs in: one account, a member of one or more sites. */
export interface AccountRecord {
  id: string;
  email: string;
  name: string;
  /** '' while invited: the account cannot sign in until the invitation is accepted. */
  passwordHash: string;
  /** Bumped to sign every session out (password change, reset): tokens carry it. */
  tokenVersion: number;
  createdAt: number;
  /** Mailed a digest of messages left while nobody of a site was online (SMTP_URL; default on). */
  mailLeftMessages: boolean;
}

/** An account's membership of one site: the role there and how it takes chats. */
export interface MembershipRecord {
  agentId: string;
  siteId: string;
  role: AgentRole;
  /** A deactivated member cannot sign in to the site; their sockets are closed. */
  active: boolean;
  departments: string[];
  /** Concurrent chats at most; null: no limit. */
  maxChats: number | null;
  createdAt: number;
}

export type MembershipPatch = Partial<Pick<MembershipRecord, 'role' | 'active' | 'departments' | 'maxChats'>>;

export interface AccountPatch {
  name?: string;
  passwordHash?: string;
  /** Sign out every session of the account. */
  bumpTokenVersion?: boolean;
  mailLeftMessages?: boolean;
}

/** An agent as the rest of the server sees them: an account in the context of one site. */
export interface AgentRecord extends AccountRecord {
  siteId: string;
  role: AgentRole;
  active: boolean;
  departments: string[];
  maxChats: number | null;
}

/** What creating an agent needs (account and first membership, in one transaction). */
export type NewAgent = Pick<
  AgentRecord,
  'id' | 'siteId' | 'email' | 'name' | 'role' | 'passwordHash' | 'createdAt'
> &
  Partial<Pick<AgentRecord, 'departments' | 'maxChats'>>;

/** A one-time invitation link (only a hash of its token is stored). */
export interface InvitationRecord {
  tokenHash: string;
  siteId: string;
  agentId: string;
  expiresAt: number;
  usedAt: number | null;
  createdAt: number;
}

export interface VisitorRecord {
  id: string;
  siteId: string;
  /** The shop's own user id (set when identity was verified or pushed by the shop backend). */
  externalId: string | null;
  name: string | null;
  email: string | null;
  verified: boolean;
  attributes: Record<string, string>;
  createdAt: number;
  lastSeenAt: number;
}

export type VisitorPatch = Partial<
  Pick<VisitorRecord, 'externalId' | 'name' | 'email' | 'verified' | 'attributes' | 'lastSeenAt'>
>;

export interface ConversationRecord {
  id: string;
  siteId: string;
  visitorId: string;
  department: string | null;
  status: ConversationStatus;
  agentId: string | null;
  lastSeq: number;
  lastMessage: LastMessage | null;
  visitorReadSeq: number;
  agentReadSeq: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  /** When it last entered a queue; with `queueFront`, its place there (protocol `queueOrder`). */
  queuedAt: number;
  queueFront: boolean;
}

/** A waiting conversation's place-deciding fields (`listQueue`): what the queue's places read. */
export type QueueEntry = Pick<
  ConversationRecord,
  'id' | 'visitorId' | 'department' | 'queuedAt' | 'queueFront'
>;

export interface ConversationFilter {
  status?: ConversationStatus;
  /** A department's conversations; null: those without one. */
  department?: string | null;
  agentId?: string;
  visitorId?: string;
}

/** One conversation found by `searchConversations`. */
export interface SearchHit {
  conversation: ConversationRecord;
  /** Its newest message that matches; null when the visitor's name or email matched. */
  message: Message | null;
}

export interface NewConversation {
  siteId: string;
  visitorId: string;
  department: string | null;
  status: ConversationStatus;
  at: number;
  /** Webhooks to notify (`conversation.created`), in the same transaction. */
  outbox?: OutboxTargets | null;
}

/**
 * The site's webhooks per event type: a change that produces one of these events writes the
 * event and one delivery per webhook in its own transaction (the durable outbox).
 */
export type OutboxTargets = Partial<Record<WebhookEventType, readonly string[]>>;

export interface WebhookRecord {
  id: string;
  siteId: string;
  url: string;
  events: WebhookEventType[];
  /** Signs deliveries (HMAC-SHA256); shown once. */
  secret: string;
  active: boolean;
  createdAt: number;
}

export type WebhookPatch = Partial<Pick<WebhookRecord, 'url' | 'events' | 'active'>>;

/** A visitor's current visit as their widget reported it (one row per visitor, replaced by each hello). */
export interface VisitRecord {
  visitorId: string;
  siteId: string;
  /** Oldest first, at most `Visit.maxPages`. */
  pages: PageView[];
  referrer: string | null;
  userAgent: string | null;
  /** Local time minus UTC, minutes. */
  tzOffset: number | null;
  locale: string | null;
  updatedAt: number;
}

/** A visitor an agent blocked (abuse, spam): their sessions and sockets are refused until unblocked. */
export interface BlockRecord {
  visitorId: string;
  siteId: string;
  /** Who blocked them (an agent id, or `api:<key id>`). */
  by: string;
  reason: string | null;
  createdAt: number;
}

/** A saved answer of a site: site-wide (`agentId` null, admins manage it) or one agent's own. */
export interface CannedRecord {
  id: string;
  siteId: string;
  agentId: string | null;
  shortcut: string;
  text: string;
  createdAt: number;
  updatedAt: number;
}

export type CannedPatch = Partial<Pick<CannedRecord, 'shortcut' | 'text'>>;

/**
 * A proactive message of a site (admins define them; the widget shows them). `rule` is the
 * editable part, validated by the API's schema and stored as one JSON value: nothing queries
 * inside it, and the widget's list is read per site.
 */
export interface ProactiveRecord {
  id: string;
  siteId: string;
  rule: ProactiveRule;
  createdAt: number;
}

export interface ProactiveRule {
  name: string;
  text: string;
  department: string | null;
  trigger: 'page' | 'returning' | 'attribute';
  urlPattern: string | null;
  seconds: number;
  attribute: string | null;
  value: string | null;
  enabled: boolean;
}

/** A per-site API key (only its SHA-256 is stored; the key is shown once). */
export interface ApiKeyRecord {
  id: string;
  siteId: string;
  name: string;
  keyHash: string;
  /** The key's first characters, to tell keys apart in a list. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  id: string;
  eventId: string;
  webhookId: string;
  type: WebhookEventType;
  state: DeliveryState;
  attempts: number;
  nextAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A delivery that is due, with what sending it needs. */
export interface DueDelivery extends DeliveryRecord {
  url: string;
  secret: string;
  siteId: string;
  /** The event's JSON `data`, exactly as stored (the body is the same on every attempt). */
  data: string;
  eventCreatedAt: number;
}

export interface DeliveryOutcome {
  state: DeliveryState;
  attempts: number;
  nextAt: number;
  lastStatus: number | null;
  lastError: string | null;
  at: number;
}

/** An uploaded file: its bytes are in the blob store under `id`. */
export interface AttachmentRecord {
  id: string;
  siteId: string;
  /** The uploader, as a message's sender: `v:<visitorId>` or `a:<agentId>`. */
  owner: string;
  name: string;
  type: AttachmentType;
  size: number;
  /** Set when a message first carries it; null while it is only uploaded. */
  conversationId: string | null;
  createdAt: number;
}

/** A message to store. `sender` + `cid` make it idempotent (`v:<visitorId>`, `a:<agentId>`). */
export interface NewMessage {
  conversationId: string;
  sender: string | null;
  cid: string | null;
  text: string;
  author: Author;
  event?: SystemEvent;
  /** The file sent with it (its signed `url` is added when the message goes out, never stored). */
  attachment?: Omit<Attachment, 'url'>;
  at: number;
  /** Webhooks to notify (`message.created`), in the batch's transaction. */
  outbox?: OutboxTargets | null;
}

export type AppendResult =
  /** `conversation`: the row as of this commit (status, assignee, lastSeq and preview). */
  | { ok: true; message: Message; duplicate: false; conversation: ConversationRecord }
  | { ok: true; message: Message; duplicate: true }
  | { ok: false; reason: 'not_found' };

export interface NewNote {
  conversationId: string;
  sender: string;
  cid: string | null;
  text: string;
  author: Author;
  at: number;
}

/** A visitor's rating of a closed conversation (one per closed period, keyed by `closedAt`). */
export interface RatingRecord {
  id: string;
  conversationId: string;
  siteId: string;
  /** The agent who had the conversation when it closed. */
  agentId: string | null;
  score: number;
  comment: string | null;
  cid: string;
  /** The close this rating is of (the conversation's `closedAt` then). */
  closedAt: number;
  createdAt: number;
}

export interface NewRating {
  conversationId: string;
  /** Only the conversation's own visitor rates it. */
  visitorId: string;
  /** `v:<visitorId>`: the system line is stored under (sender, cid), so a resend is a duplicate. */
  sender: string;
  cid: string;
  score: number;
  comment: string | null;
  /** The line the transcript shows ("Rated 4/5"). */
  line: SystemLine;
  at: number;
  outbox?: OutboxTargets | null;
}

/** What a site report covers: conversations created in [from, to), optionally one agent's or department's. */
export interface ReportFilter {
  siteId: string;
  from: number;
  to: number;
  agentId: string | null;
  department: string | null;
}

export interface ReportFigures {
  conversations: number;
  closed: number;
  firstResponseMs: number | null;
  waitMs: number | null;
  handleMs: number | null;
  /** Ratings given in the range: count per score 1..5. */
  ratings: [number, number, number, number, number];
}

export type RateResult =
  | { ok: true; rating: RatingRecord; message: Message; conversation: ConversationRecord; duplicate: boolean }
  | { ok: false; reason: 'not_found' | 'not_closed' | 'already_rated' };

export interface TransitionInput {
  /** Compare-and-set: the change applies only if the row still has this status and agent. */
  expect: Pick<ConversationState, 'status' | 'agentId'>;
  next: ConversationState;
  line: SystemLine | null;
  note: NewNote | null;
  at: number;
  /** Entering a queue: at its front or at its back (`at` becomes its `queuedAt`). */
  queue?: 'front' | 'back' | null;
  /** Webhooks to notify of the change (`conversation.assigned|transferred|closed|reopened`). */
  outbox?: OutboxTargets | null;
}

export interface TransitionResult {
  conversation: ConversationRecord;
  message: Message | null;
  note: Note | null;
}

export type ReadSide = 'visitor' | 'agent';

/** One administration action: who did what to which record of a site, when. */
export interface AuditRecord {
  id: string;
  siteId: string;
  /** An agent's id, `api:<key id>` for an API key, `cli` for the command line. */
  actorId: string;
  actorName: string;
  /** `site.updated`, `agent.invited`, `visitor.deleted`… (see admin/audit.ts). */
  action: string;
  /** The record acted on (an agent, key, webhook, visitor id); null: the site itself. */
  target: string | null;
  /** What was asked (the request's fields, secrets removed). */
  details: Record<string, unknown>;
  at: number;
}

/** A signed-in console session: its refresh token is rotated at every use (only hashes stored). */
export interface RefreshSessionRecord {
  id: string;
  accountId: string;
  siteId: string;
  /** SHA-256 of the current refresh token. */
  tokenHash: string;
  /** The token before the last rotation, and when it was rotated (a concurrent refresh). */
  previousHash: string | null;
  rotatedAt: number | null;
  /** The account's token version and role at sign-in: a change ends the session. */
  tokenVersion: number;
  role: AgentRole;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** What deleting a visitor deleted. */
export interface DeletedVisitor {
  /** Their conversations, oldest first. */
  conversationIds: string[];
  /** Messages of those conversations (system lines included). */
  messages: number;
}

export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  /** Throws when the database is unreachable (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `fn` holding an exclusive lock on `key` across every process using this database
   * (PostgreSQL: an advisory lock; SQLite has one writing process, whose in-memory
   * serialisation already holds it). For rare critical sections such as "create or reopen
   * the visitor's conversation", not for the message hot path.
   */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /** True when no site exists yet (first start: seed). */
  isEmpty(): Promise<boolean>;

  /**
   * Creates a site, and its first agents in the same transaction. With `onlyIfEmpty`, fails
   * (returns false, nothing written) when any site exists already (first-run setup).
   */
  createSite(site: SiteRecord, agents?: readonly NewAgent[], onlyIfEmpty?: boolean): Promise<boolean>;
  getSite(id: string): Promise<SiteRecord | null>;
  /** Every site, by id. */
  listSites(): Promise<SiteRecord[]>;
  /** Applies the given fields; returns the updated site, null when there is no such site. */
  updateSite(id: string, patch: SitePatch): Promise<SiteRecord | null>;
  /** The new secret replaces the current one, which stays accepted until `graceUntil`. */
  rotateSiteSecret(id: string, secret: string, graceUntil: number): Promise<SiteRecord | null>;

  /** Account and first membership in one transaction (a taken email throws). */
  createAgent(agent: NewAgent): Promise<void>;
  /** The account as a member of `siteId` (active or not); null when not a member. */
  getAgent(id: string, siteId: string): Promise<AgentRecord | null>;
  getAccount(id: string): Promise<AccountRecord | null>;
  getAccountByEmail(email: string): Promise<AccountRecord | null>;
  /** The account's memberships, by site id. */
  listMemberships(agentId: string): Promise<MembershipRecord[]>;
  /** Adds the account to another site (an existing membership throws). */
  addMembership(m: MembershipRecord): Promise<void>;
  updateMembership(agentId: string, siteId: string, patch: MembershipPatch): Promise<AgentRecord | null>;
  updateAccount(id: string, patch: AccountPatch): Promise<AccountRecord | null>;
  /** Every member of a site (deactivated ones too), by name. */
  listAgents(siteId: string): Promise<AgentRecord[]>;

  createInvitation(inv: InvitationRecord): Promise<void>;
  getInvitation(tokenHash: string): Promise<InvitationRecord | null>;
  /**
   * Uses an invitation once: when it is unused and not expired at `at`, marks it used and
   * sets the account's name and password in the same transaction (`signOut`: and signs every
   * session of the account out — a password reset). Null otherwise.
   */
  acceptInvitation(
    tokenHash: string,
    at: number,
    account: { name: string; passwordHash: string; signOut?: boolean },
  ): Promise<AgentRecord | null>;
  /**
   * Compare-and-set of an agent's password hash (the rehash on sign-in): true when it was
   * `from` and is now `to`; false when the agent is unknown or its hash changed meanwhile.
   */
  updateAgentPasswordHash(id: string, from: string, to: string): Promise<boolean>;

  createVisitor(visitor: VisitorRecord): Promise<void>;
  getVisitor(id: string): Promise<VisitorRecord | null>;
  findVisitorByExternalId(siteId: string, externalId: string): Promise<VisitorRecord | null>;
  updateVisitor(id: string, patch: VisitorPatch): Promise<VisitorRecord | null>;

  createConversation(input: NewConversation): Promise<ConversationRecord>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /**
   * Queued and assigned conversations of a site, most recently updated first. With
   * `only: 'queued'`, the waiting ones alone (no assigned rows read).
   */
  listOpenConversations(siteId: string, only?: 'queued'): Promise<ConversationRecord[]>;
  /**
   * The site's waiting conversations, only the fields that decide a place (unordered; sort with
   * protocol `queueOrder`). Read every 200 ms while a queue changes: a queue of 10 000 costs
   * 9 ms here against 32 ms for the whole rows (SQLite, this machine).
   */
  listQueue(siteId: string): Promise<QueueEntry[]>;
  /**
   * A site's conversations, newest first (created_at, then id, descending), filtered; `before`
   * is the (createdAt, id) of the last row of the previous page (cursor pagination).
   */
  listConversations(
    siteId: string,
    filter: ConversationFilter,
    before: { createdAt: number; id: string } | null,
    limit: number,
  ): Promise<ConversationRecord[]>;
  /**
   * Full-text search (see `storage/search.ts` for the one matching rule): the conversations of
   * `siteIds` whose visitor's name or email, or one of whose messages (not system lines), holds
   * every word of `query` as a word prefix. Newest first and cursor-paged like
   * `listConversations`; each hit carries its newest matching message (null when only the
   * visitor matched). A query without words finds nothing.
   */
  searchConversations(
    siteIds: readonly string[],
    query: string,
    before: { createdAt: number; id: string } | null,
    limit: number,
  ): Promise<SearchHit[]>;
  /** A visitor's conversations, most recently created first. */
  listVisitorConversations(visitorId: string, limit: number): Promise<ConversationRecord[]>;
  /** Conversations currently assigned to an agent. */
  listAgentConversations(agentId: string): Promise<ConversationRecord[]>;
  /** Every agent that has at least one assigned conversation (on start: who must come back). */
  listAssignedAgents(): Promise<{ agentId: string; siteId: string }[]>;

  /**
   * Group commit: the whole batch in ONE transaction. Each message gets the next gap-free
   * seq of its conversation. A `(sender, cid)` already stored returns the ORIGINAL message
   * with `duplicate: true` and stores nothing. Results are in batch order.
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>;
  findMessageByCid(sender: string, cid: string): Promise<Message | null>;
  /** The first `limit` messages with seq > afterSeq, in seq order. */
  messagesSince(conversationId: string, afterSeq: number, limit?: number): Promise<Message[]>;
  /** The last `limit` messages with seq < beforeSeq (the newest page below it), in seq order. */
  messagesBefore(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]>;

  /** Atomic claim (`… WHERE status = 'queued'`): null when it was not queued any more. */
  claimConversation(
    id: string,
    agentId: string,
    line: SystemLine | null,
    at: number,
    outbox?: OutboxTargets | null,
  ): Promise<TransitionResult | null>;
  /** Any other state change, compare-and-set on (status, agent): null when the row changed meanwhile. */
  transitionConversation(id: string, input: TransitionInput): Promise<TransitionResult | null>;

  /**
   * Stores the visitor's rating of the conversation's current closed period, with its system
   * line and its `conversation.rated` event, in one transaction. The same cid again is a
   * duplicate (the stored rating and line are returned); another rating of the same period is
   * `already_rated`; an open conversation is `not_closed`.
   */
  rateConversation(input: NewRating): Promise<RateResult>;
  /** A conversation's ratings, oldest first (one per closed period). */
  listRatings(conversationId: string): Promise<RatingRecord[]>;
  /** A site's figures over a range (reports), computed in the database. */
  siteReport(filter: ReportFilter): Promise<ReportFigures>;

  addNote(note: NewNote): Promise<{ note: Note; duplicate: boolean }>;
  listNotes(conversationId: string): Promise<Note[]>;

  /**
   * Moves a read cursor forward (never back, never past lastSeq). Returns the new value, or null
   * when nothing changed (a no-op read writes nothing) or there is no such conversation.
   */
  setReadSeq(conversationId: string, side: ReadSide, seq: number): Promise<number | null>;

  createWebhook(w: WebhookRecord): Promise<void>;
  getWebhook(id: string): Promise<WebhookRecord | null>;
  /** A site's webhooks (inactive ones too), oldest first. */
  listWebhooks(siteId: string): Promise<WebhookRecord[]>;
  updateWebhook(id: string, patch: WebhookPatch): Promise<WebhookRecord | null>;
  /**
   * Leases up to `limit` pending deliveries due at `now` (oldest first) until `leaseUntil`: no
   * other caller gets them meanwhile (PostgreSQL: SKIP LOCKED), and a process that dies with
   * them leased gives them back when the lease ends.
   */
  leaseDueDeliveries(now: number, leaseUntil: number, limit: number): Promise<DueDelivery[]>;
  /** Records an attempt's outcome (delivered, failed for good, or pending again at `nextAt`). */
  finishDelivery(id: string, outcome: DeliveryOutcome): Promise<void>;
  /** A webhook's most recent deliveries, newest first. */
  listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]>;
  getDelivery(id: string): Promise<DeliveryRecord | null>;
  /** Sends a delivery again now (same delivery and event id): pending, due at `at`. */
  redeliver(id: string, at: number): Promise<DeliveryRecord | null>;

  createApiKey(k: ApiKeyRecord): Promise<void>;
  /** A site's keys, revoked ones too, oldest first. */
  listApiKeys(siteId: string): Promise<ApiKeyRecord[]>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  /** The key with this hash, revoked or not (the caller checks). */
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  /** A new key for the same record (rotation): the old one stops at once. Null when unknown or revoked. */
  replaceApiKey(id: string, keyHash: string, prefix: string): Promise<ApiKeyRecord | null>;
  revokeApiKey(id: string, at: number): Promise<ApiKeyRecord | null>;

  /**
   * A site's canned responses, by shortcut: the site-wide ones and, when `agentId` is given,
   * that agent's own (both when they share a shortcut; the caller decides which shows).
   */
  listCanned(siteId: string, agentId: string | null): Promise<CannedRecord[]>;
  getCanned(id: string): Promise<CannedRecord | null>;
  /** False when the owner (the site, or the agent) already has that shortcut. */
  createCanned(c: CannedRecord): Promise<boolean>;
  /** The updated record; null when unknown; 'duplicate' when the new shortcut is taken. */
  updateCanned(id: string, patch: CannedPatch, at: number): Promise<CannedRecord | null | 'duplicate'>;
  deleteCanned(id: string): Promise<boolean>;

  /** A site's proactive messages, oldest first. */
  listProactive(siteId: string): Promise<ProactiveRecord[]>;
  getProactive(id: string): Promise<ProactiveRecord | null>;
  /** Creates or replaces (by id) a proactive message. */
  putProactive(p: ProactiveRecord): Promise<void>;
  deleteProactive(id: string): Promise<boolean>;

  /** False when the visitor was blocked already (the first block stays). */
  blockVisitor(b: BlockRecord): Promise<boolean>;
  unblockVisitor(visitorId: string): Promise<boolean>;
  getBlock(visitorId: string): Promise<BlockRecord | null>;
  /** A site's blocked visitors, newest first. */
  listBlocks(siteId: string): Promise<BlockRecord[]>;

  /** Inserts or replaces the visitor's visit. */
  putVisit(v: VisitRecord): Promise<void>;
  getVisit(visitorId: string): Promise<VisitRecord | null>;

  /**
   * Erasure: deletes a visitor and everything stored about them in ONE transaction — their
   * conversations with messages, notes, ratings and search rows, the webhook events about those
   * conversations and the events' deliveries, their visit, block, search row and profile — and
   * writes the `visitor.deleted` event for `outbox`'s subscribers. Null (nothing written) when
   * there is no such visitor.
   */
  deleteVisitor(visitorId: string, at: number, outbox?: OutboxTargets | null): Promise<DeletedVisitor | null>;
  /**
   * Retention: deletes up to `limit` of the site's conversations closed before `closedBefore`,
   * oldest close first, with every row about them (as `deleteVisitor` does); the visitors stay.
   * Returns the deleted ids (fewer than `limit`: nothing older is left).
   */
  deleteClosedConversations(siteId: string, closedBefore: number, limit: number): Promise<string[]>;

  createRefreshSession(session: RefreshSessionRecord): Promise<void>;
  getRefreshSession(id: string): Promise<RefreshSessionRecord | null>;
  /**
   * Compare-and-set rotation: only while the session's current hash is `fromHash` and it is not
   * revoked (two refreshes racing: one wins). Returns whether it rotated.
   */
  rotateRefreshSession(
    id: string,
    fromHash: string,
    toHash: string,
    at: number,
    expiresAt: number,
  ): Promise<boolean>;
  revokeRefreshSession(id: string, at: number): Promise<void>;
  /** Removes sessions expired before `before`; returns how many. */
  deleteExpiredRefreshSessions(before: number): Promise<number>;

  createAttachment(a: AttachmentRecord): Promise<void>;
  getAttachment(id: string): Promise<AttachmentRecord | null>;
  /**
   * Binds an upload to the conversation a message carries it into: only when `owner` uploaded
   * it and it is unbound or bound to that conversation already (a resend). Null otherwise.
   */
  bindAttachment(id: string, owner: string, conversationId: string): Promise<AttachmentRecord | null>;
  /** Deletes up to `limit` uploads never sent and created before `before`; returns their ids. */
  deleteUnboundAttachments(before: number, limit: number): Promise<string[]>;
  /** Which of `ids` still have an attachment row (the blob store's orphan sweep). */
  existingAttachments(ids: readonly string[]): Promise<Set<string>>;

  addAudit(entry: AuditRecord): Promise<void>;
  /** A site's audit log, newest first; `before` is the (at, id) of the last entry of the previous page. */
  listAudit(siteId: string, before: { at: number; id: string } | null, limit: number): Promise<AuditRecord[]>;
}
