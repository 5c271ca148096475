/**
 * SQLite storage (better-sqlite3, WAL). Every method is synchronous underneath and wrapped
 * in the async `Storage` interface; better-sqlite3 being synchronous is what makes the
 * compare-and-set transitions and the seq allocation atomic within the process, and
 * SQLite's write lock makes them atomic across processes.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Message, Note } from '@switchboard/protocol';
import Database from 'better-sqlite3';
import type { SqliteSynchronous } from '../config.js';
import { newId } from '../ids.js';
import { Serial } from '../serial.js';
import {
  conversationEventData,
  messageEventData,
  outboxRows,
  ratingEventData,
  transitionEventType,
  visitorDeletedEventData,
} from '../webhooks/events.js';
import { Checkpointer } from './checkpointer.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import {
  type AccountRow,
  AGENT_SELECT,
  type AgentRow,
  type ApiKeyRow,
  type AttachmentRow,
  type AuditRow,
  attachmentColumn,
  auditParams,
  type BlockRow,
  type CannedRow,
  type ConversationRow,
  cannedRow,
  conversationListQuery,
  DELIVERY_SELECT,
  type DeliveryRow,
  type InvitationRow,
  isUniqueViolation,
  type MembershipRow,
  type MessageRow,
  membershipRowOf,
  type NoteRow,
  newAgentRows,
  type ProactiveRow,
  patchedMembership,
  patchedSiteRow,
  planRating,
  previewOf,
  QUEUE_COLUMNS,
  type RatingRow,
  type RefreshSessionRow,
  ratingRow,
  refreshSessionParams,
  reportQueries,
  type SiteRow,
  siteRowOf,
  toAccount,
  toAgent,
  toApiKey,
  toAttachment,
  toAudit,
  toBlock,
  toCanned,
  toConversation,
  toDelivery,
  toDueDelivery,
  toInvitation,
  toMembership,
  toMessage,
  toNote,
  toProactive,
  toRating,
  toRefreshSession,
  toReportFigures,
  toSite,
  toVisit,
  toVisitor,
  toWebhook,
  type VisitorRow,
  type VisitRow,
  visitParams,
  type WebhookRow,
} from './rows.js';
import { ftsMatch, searchTerms, searchText, visitorSearchText } from './search.js';
import { SearchBacklog } from './sqlite-search.js';
import type {
  AccountPatch,
  AccountRecord,
  AgentRecord,
  ApiKeyRecord,
  AppendResult,
  AttachmentRecord,
  AuditRecord,
  BlockRecord,
  CannedPatch,
  CannedRecord,
  ConversationFilter,
  ConversationRecord,
  DeletedVisitor,
  DeliveryOutcome,
  DeliveryRecord,
  DueDelivery,
  InvitationRecord,
  MembershipPatch,
  MembershipRecord,
  NewAgent,
  NewConversation,
  NewMessage,
  NewNote,
  NewRating,
  OutboxTargets,
  ProactiveRecord,
  QueueEntry,
  RateResult,
  RatingRecord,
  ReadSide,
  RefreshSessionRecord,
  ReportFigures,
  ReportFilter,
  SearchHit,
  SitePatch,
  SiteRecord,
  Storage,
  SystemLine,
  TransitionInput,
  TransitionResult,
  VisitorPatch,
  VisitorRecord,
  VisitRecord,
  WebhookPatch,
  WebhookRecord,
} from './types.js';

/** A `listQueue` row in raw mode, in the order of `QUEUE_COLUMNS`. */
type QueueTuple = [string, string, string | null, number, number];

/** Insert as most recently used; past `max` entries the oldest goes (max 0: no caching). */
function lruSet<K, V>(m: Map<K, V>, key: K, value: V, max: number): void {
  if (max === 0) return;
  m.delete(key);
  m.set(key, value);
  if (m.size > max) {
    const oldest = m.keys().next().value;
    if (oldest !== undefined) m.delete(oldest);
  }
}

interface GroupedOp {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}
type Settled = { ok: true; value: unknown } | { ok: false; err: unknown };

function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1 AS ok'),
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
    setSetting: db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),
    countSites: db.prepare('SELECT COUNT(*) FROM sites').pluck(),
    insertSite: db.prepare(
      `INSERT INTO sites (id, name, secret, allowed_origins, departments, color, title, greeting, business_hours,
         previous_secret, previous_secret_until, assignment, department_assignment, retention_days, created_at)
       VALUES (@id, @name, @secret, @allowed_origins, @departments, @color, @title, @greeting, @business_hours,
         @previous_secret, @previous_secret_until, @assignment, @department_assignment, @retention_days, @created_at)`,
    ),
    getSite: db.prepare('SELECT * FROM sites WHERE id = ?'),
    updateSite: db.prepare(
      `UPDATE sites SET name = @name, allowed_origins = @allowed_origins, departments = @departments,
         color = @color, title = @title, greeting = @greeting, business_hours = @business_hours,
         assignment = @assignment, department_assignment = @department_assignment,
         retention_days = @retention_days
       WHERE id = @id RETURNING *`,
    ),
    rotateSecret: db.prepare(
      `UPDATE sites SET previous_secret = secret, previous_secret_until = @until, secret = @secret
       WHERE id = @id RETURNING *`,
    ),
    listSites: db.prepare('SELECT * FROM sites ORDER BY id'),
    insertAccount: db.prepare(
      `INSERT INTO agents (id, site_id, email, name, role, password_hash, token_version, created_at)
       VALUES (@id, @site_id, @email, @name, @role, @password_hash, @token_version, @created_at)`,
    ),
    insertMembership: db.prepare(
      `INSERT INTO memberships (agent_id, site_id, role, active, departments, max_chats, created_at)
       VALUES (@agent_id, @site_id, @role, @active, @departments, @max_chats, @created_at)`,
    ),
    updateMembership: db.prepare(
      `UPDATE memberships SET role = @role, active = @active, departments = @departments, max_chats = @max_chats
       WHERE agent_id = @agent_id AND site_id = @site_id`,
    ),
    getAgent: db.prepare(`${AGENT_SELECT} WHERE m.agent_id = ? AND m.site_id = ?`),
    listAgents: db.prepare(`${AGENT_SELECT} WHERE m.site_id = ? ORDER BY a.name, a.id`),
    getAccount: db.prepare('SELECT * FROM agents WHERE id = ?'),
    getAccountByEmail: db.prepare('SELECT * FROM agents WHERE email = ?'),
    listMemberships: db.prepare('SELECT * FROM memberships WHERE agent_id = ? ORDER BY site_id'),
    updateAccount: db.prepare(
      `UPDATE agents SET name = @name, password_hash = @password_hash, token_version = @token_version,
         mail_left_messages = @mail_left_messages
       WHERE id = @id RETURNING *`,
    ),
    setAccountCredentials: db.prepare(
      `UPDATE agents SET name = @name, password_hash = @password_hash, token_version = token_version + @bump
       WHERE id = @id`,
    ),
    insertInvitation: db.prepare(
      `INSERT INTO invitations (token_hash, site_id, agent_id, expires_at, used_at, created_at)
       VALUES (@token_hash, @site_id, @agent_id, @expires_at, @used_at, @created_at)`,
    ),
    getInvitation: db.prepare('SELECT * FROM invitations WHERE token_hash = ?'),
    insertRating: db.prepare(
      `INSERT INTO ratings (id, conversation_id, site_id, agent_id, score, comment, cid, closed_at, created_at)
       VALUES (@id, @conversation_id, @site_id, @agent_id, @score, @comment, @cid, @closed_at, @created_at)`,
    ),
    getRating: db.prepare('SELECT * FROM ratings WHERE conversation_id = ? AND closed_at = ?'),
    findRatingByCid: db.prepare('SELECT * FROM ratings WHERE conversation_id = ? AND cid = ?'),
    listRatings: db.prepare('SELECT * FROM ratings WHERE conversation_id = ? ORDER BY closed_at'),
    insertApiKey: db.prepare(
      `INSERT INTO api_keys (id, site_id, name, key_hash, prefix, created_at, revoked_at)
       VALUES (@id, @site_id, @name, @key_hash, @prefix, @created_at, @revoked_at)`,
    ),
    listApiKeys: db.prepare('SELECT * FROM api_keys WHERE site_id = ? ORDER BY created_at, id'),
    listCanned: db.prepare(
      `SELECT * FROM canned_responses WHERE site_id = ? AND agent_id IN ('', ?)
       ORDER BY shortcut, agent_id`,
    ),
    getCanned: db.prepare('SELECT * FROM canned_responses WHERE id = ?'),
    insertCanned: db.prepare(
      `INSERT INTO canned_responses (id, site_id, agent_id, shortcut, text, created_at, updated_at)
       VALUES (@id, @site_id, @agent_id, @shortcut, @text, @created_at, @updated_at)
       ON CONFLICT (site_id, agent_id, shortcut) DO NOTHING`,
    ),
    updateCanned: db.prepare(
      `UPDATE canned_responses SET shortcut = COALESCE(@shortcut, shortcut), text = COALESCE(@text, text),
       updated_at = @at WHERE id = @id RETURNING *`,
    ),
    deleteCanned: db.prepare('DELETE FROM canned_responses WHERE id = ?'),
    listProactive: db.prepare('SELECT * FROM proactive_rules WHERE site_id = ? ORDER BY created_at, id'),
    getProactive: db.prepare('SELECT * FROM proactive_rules WHERE id = ?'),
    putProactive: db.prepare(
      `INSERT INTO proactive_rules (id, site_id, rule, created_at) VALUES (@id, @site_id, @rule, @created_at)
       ON CONFLICT (id) DO UPDATE SET rule = excluded.rule`,
    ),
    deleteProactive: db.prepare('DELETE FROM proactive_rules WHERE id = ?'),
    insertBlock: db.prepare(
      `INSERT INTO blocks (visitor_id, site_id, blocked_by, reason, created_at)
       VALUES (@visitor_id, @site_id, @blocked_by, @reason, @created_at) ON CONFLICT (visitor_id) DO NOTHING`,
    ),
    deleteBlock: db.prepare('DELETE FROM blocks WHERE visitor_id = ?'),
    getBlock: db.prepare('SELECT * FROM blocks WHERE visitor_id = ?'),
    listBlocks: db.prepare('SELECT * FROM blocks WHERE site_id = ? ORDER BY created_at DESC, visitor_id'),
    putVisit: db.prepare(
      `INSERT INTO visits (visitor_id, site_id, pages, referrer, user_agent, tz_offset, locale, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (visitor_id) DO UPDATE SET site_id = excluded.site_id,
       pages = excluded.pages, referrer = excluded.referrer, user_agent = excluded.user_agent,
       tz_offset = excluded.tz_offset, locale = excluded.locale, updated_at = excluded.updated_at`,
    ),
    getVisit: db.prepare('SELECT * FROM visits WHERE visitor_id = ?'),
    getApiKey: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
    findApiKey: db.prepare('SELECT * FROM api_keys WHERE key_hash = ?'),
    replaceApiKey: db.prepare(
      'UPDATE api_keys SET key_hash = ?, prefix = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
    ),
    revokeApiKey: db.prepare(
      'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *',
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (id, site_id, type, data, conversation_id, created_at)
       VALUES (@id, @site_id, @type, @data, @conversation_id, @created_at)`,
    ),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (id, event_id, webhook_id, state, attempts, next_at, created_at, updated_at)
       VALUES (@id, @event_id, @webhook_id, 'pending', 0, @next_at, @created_at, @created_at)`,
    ),
    insertWebhook: db.prepare(
      `INSERT INTO webhooks (id, site_id, url, events, secret, active, created_at)
       VALUES (@id, @site_id, @url, @events, @secret, @active, @created_at)`,
    ),
    getWebhook: db.prepare('SELECT * FROM webhooks WHERE id = ?'),
    listWebhooks: db.prepare('SELECT * FROM webhooks WHERE site_id = ? ORDER BY created_at, id'),
    updateWebhook: db.prepare(
      'UPDATE webhooks SET url = @url, events = @events, active = @active WHERE id = @id RETURNING *',
    ),
    dueDeliveries: db.prepare(
      `${DELIVERY_SELECT} WHERE d.state = 'pending' AND d.next_at <= ? AND w.active = 1
       ORDER BY d.next_at, d.id LIMIT ?`,
    ),
    leaseDelivery: db.prepare('UPDATE deliveries SET next_at = ? WHERE id = ?'),
    finishDelivery: db.prepare(
      `UPDATE deliveries SET state = @state, attempts = @attempts, next_at = @next_at, last_status = @last_status,
         last_error = @last_error, updated_at = @at WHERE id = @id`,
    ),
    listDeliveries: db.prepare(
      `${DELIVERY_SELECT} WHERE d.webhook_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
    ),
    getDelivery: db.prepare(`${DELIVERY_SELECT} WHERE d.id = ?`),
    redeliver: db.prepare(
      `UPDATE deliveries SET state = 'pending', next_at = @at, updated_at = @at WHERE id = @id`,
    ),
    useInvitation: db.prepare(
      `UPDATE invitations SET used_at = @at
       WHERE token_hash = @token_hash AND used_at IS NULL AND expires_at > @at RETURNING *`,
    ),
    updateAgentPasswordHash: db.prepare(
      'UPDATE agents SET password_hash = @to WHERE id = @id AND password_hash = @from',
    ),
    insertVisitor: db.prepare(
      `INSERT INTO visitors (id, site_id, external_id, name, email, verified, attributes, created_at, last_seen_at)
       VALUES (@id, @site_id, @external_id, @name, @email, @verified, @attributes, @created_at, @last_seen_at)`,
    ),
    getVisitor: db.prepare('SELECT * FROM visitors WHERE id = ?'),
    findVisitorByExternal: db.prepare('SELECT * FROM visitors WHERE site_id = ? AND external_id = ?'),
    updateVisitor: db.prepare(
      `UPDATE visitors SET external_id = @external_id, name = @name, email = @email, verified = @verified,
         attributes = @attributes, last_seen_at = @last_seen_at WHERE id = @id RETURNING *`,
    ),
    insertConversation: db.prepare(
      // Every column given: the row written is the row we hold (no RETURNING: a third of the
      // statement's cost when visitors join in a burst).
      `INSERT INTO conversations (id, site_id, visitor_id, department, status, agent_id, last_seq, last_text,
         last_author_kind, last_at, visitor_read_seq, agent_read_seq, created_at, updated_at, closed_at,
         queued_at, queue_front)
       VALUES (@id, @site_id, @visitor_id, @department, @status, @agent_id, @last_seq, @last_text,
         @last_author_kind, @last_at, @visitor_read_seq, @agent_read_seq, @created_at, @updated_at, @closed_at,
         @queued_at, @queue_front)`,
    ),
    getConversation: db.prepare('SELECT * FROM conversations WHERE id = ?'),
    listOpen: db.prepare(
      `SELECT * FROM conversations WHERE site_id = ? AND status IN ('queued', 'assigned') ORDER BY updated_at DESC`,
    ),
    listQueued: db.prepare(
      `SELECT * FROM conversations WHERE site_id = ? AND status = 'queued' ORDER BY updated_at DESC`,
    ),
    // Arrays, not objects: a third less time for a queue of 10 000 (the places read it often).
    listQueue: db
      .prepare(`SELECT ${QUEUE_COLUMNS} FROM conversations WHERE site_id = ? AND status = 'queued'`)
      .raw(true),
    listByVisitor: db.prepare(
      'SELECT * FROM conversations WHERE visitor_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    ),
    listByAgent: db.prepare(`SELECT * FROM conversations WHERE agent_id = ? AND status = 'assigned'`),
    listAssignedAgents: db.prepare(
      `SELECT DISTINCT agent_id, site_id FROM conversations WHERE status = 'assigned' AND agent_id IS NOT NULL`,
    ),
    // The seq comes from the conversation row as this transaction sees it (see appendOne).
    touchConversation: db.prepare(
      `UPDATE conversations SET last_seq = ?, last_text = ?, last_author_kind = ?, last_at = ?,
         updated_at = ? WHERE id = ?`,
    ),
    // A resent client id is a no-op here (changes = 0); any other conflict still throws.
    insertMessage: db.prepare(
      `INSERT INTO messages (id, conversation_id, seq, sender, cid, text, author_kind, author_id, author_name, event, at, attachment)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sender, cid) WHERE sender IS NOT NULL AND cid IS NOT NULL DO NOTHING`,
    ),
    findMessageByCid: db.prepare('SELECT * FROM messages WHERE sender = ? AND cid = ?'),
    messagesSince: db.prepare(
      'SELECT * FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    messagesBefore: db.prepare(
      `SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?)
       ORDER BY seq`,
    ),
    claim: db.prepare(
      `UPDATE conversations SET status = 'assigned', agent_id = ?, updated_at = ?
       WHERE id = ? AND status = 'queued' RETURNING *`,
    ),
    transition: db.prepare(
      `UPDATE conversations SET status = @status, agent_id = @agent_id, department = @department,
         closed_at = @closed_at, updated_at = @at,
         queued_at = CASE WHEN @queue IS NULL THEN queued_at ELSE @at END,
         queue_front = CASE WHEN @queue IS NULL THEN queue_front WHEN @queue = 'front' THEN 1 ELSE 0 END
       WHERE id = @id AND status = @expect_status AND agent_id IS @expect_agent RETURNING *`,
    ),
    insertNote: db.prepare(
      `INSERT INTO notes (id, conversation_id, sender, cid, text, author_id, author_name, after_seq, at)
       VALUES (@id, @conversation_id, @sender, @cid, @text, @author_id, @author_name, @after_seq, @at)`,
    ),
    findNoteByCid: db.prepare('SELECT * FROM notes WHERE sender = ? AND cid = ?'),
    listNotes: db.prepare('SELECT * FROM notes WHERE conversation_id = ? ORDER BY at, rowid'),
    lastSeq: db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck(),
    insertVisitorSearch: db.prepare('INSERT INTO visitor_search (body, visitor_id) VALUES (?, ?)'),
    deleteVisitorSearch: db.prepare('DELETE FROM visitor_search WHERE visitor_id = ?'),
    getMessage: db.prepare('SELECT * FROM messages WHERE conversation_id = ? AND seq = ?'),
    // The cursor is (created_at, id) of the previous page's last row, as in conversationListQuery.
    search: db.prepare(
      `WITH hits AS (
         SELECT conversation_id, MAX(seq) AS seq FROM message_search
         WHERE message_search MATCH @match GROUP BY conversation_id
       ), visitor_hits AS (
         SELECT visitor_id FROM visitor_search WHERE visitor_search MATCH @match
       )
       SELECT c.*, h.seq AS hit_seq FROM conversations c LEFT JOIN hits h ON h.conversation_id = c.id
       WHERE c.site_id IN (SELECT value FROM json_each(@sites))
         AND (h.seq IS NOT NULL OR c.visitor_id IN (SELECT visitor_id FROM visitor_hits))
         AND (@before_at IS NULL OR c.created_at < @before_at OR (c.created_at = @before_at AND c.id < @before_id))
       ORDER BY c.created_at DESC, c.id DESC LIMIT @limit`,
    ),
    setVisitorRead: db
      .prepare(
        `UPDATE conversations SET visitor_read_seq = MIN(@seq, last_seq)
         WHERE id = @id AND visitor_read_seq < MIN(@seq, last_seq) RETURNING visitor_read_seq`,
      )
      .pluck(),
    setAgentRead: db
      .prepare(
        `UPDATE conversations SET agent_read_seq = MIN(@seq, last_seq)
         WHERE id = @id AND agent_read_seq < MIN(@seq, last_seq) RETURNING agent_read_seq`,
      )
      .pluck(),
  };
}

export interface SqliteStorageOptions {
  synchronous?: SqliteSynchronous;
  busyTimeoutMs?: number;
  /** Conversation rows kept in memory (LRU); 0 disables the cache. Default 10 000. */
  conversationCacheSize?: number;
  /**
   * WAL checkpoints in a worker thread (default) instead of inside the COMMIT that crosses
   * 1 000 pages on the event loop. See checkpointer.ts.
   */
  checkpointInWorker?: boolean;
  /** Committed messages reach the search index this long after the first of them (default 1 000 ms). */
  searchDelayMs?: number;
}

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  /** `exclusive` sections, per key. */
  private readonly sections = new Serial();
  private readonly db: Database.Database;
  private readonly s: ReturnType<typeof prepareStatements>;
  private readonly appendTx: (batch: readonly NewMessage[]) => AppendResult[];
  private readonly transitionTx: (id: string, input: TransitionInput) => TransitionResult | null;
  /**
   * Conversation rows by id, least recently used first (a bounded LRU). Write-through:
   * every statement of this class that changes a conversation puts the row it returns here
   * once its transaction has committed, so `getConversation` (one per `send`) needs no read.
   * Correct while this process is the only writer; with several gateway processes on one
   * database the other processes' changes must invalidate it (through the bus — see
   * docs/architecture.md). Records are shared: callers must not mutate them.
   */
  private readonly convCache = new Map<string, ConversationRecord>();
  private readonly convCacheMax: number;
  /** `listConversations` statements, one per filter shape. */
  private readonly listStatements = new Map<string, Database.Statement>();
  /** Visitor rows, the same way (every change goes through `createVisitor`/`updateVisitor`). */
  private readonly visitorCache = new Map<string, VisitorRecord>();
  private readonly checkpointer: Checkpointer | null = null;
  /**
   * Each visitor's newest conversation id as this process wrote it (null: none yet), so the
   * `hello` and the first `send` of a visitor who just started a session read nothing.
   * Bounded like the caches above; a miss falls back to the query.
   */
  private readonly newestByVisitor = new Map<string, { id: string; at: number } | null>();
  /** Row creations waiting for the turn's shared transaction (see `grouped`). */
  private groupQueue: GroupedOp[] = [];
  /** Committed messages on their way into the search index (sqlite-search.ts). */
  private readonly search: SearchBacklog;
  private groupScheduled = false;
  private readonly groupTx: (ops: readonly GroupedOp[]) => Settled[];

  constructor(path: string, opts: SqliteStorageOptions = {}) {
    this.convCacheMax = Math.max(0, opts.conversationCacheSize ?? 10_000);
    if (path !== ':memory:') createPrivateFile(path);
    const db = new Database(path);
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
    // The search normaliser, for the migration that indexes the rows written before it.
    db.function('sb_search_text', { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? searchText(text) : '',
    );
    this.migrate();
    if (path !== ':memory:' && opts.checkpointInWorker !== false) {
      db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(path, () => db.pragma('wal_autocheckpoint = 1000'), {
        onFallback: (reason) =>
          process.emitWarning(`${reason}; SQLite checkpoints run on the main thread again`),
      });
    }

    this.s = prepareStatements(db);
    this.search = new SearchBacklog(db, {
      wrote: () => this.wrote(),
      ...(opts.searchDelayMs === undefined ? {} : { delayMs: opts.searchDelayMs }),
    });
    this.search.recover();

    // One failed statement (a constraint) aborts only itself; the others still commit.
    this.groupTx = db.transaction((ops: readonly GroupedOp[]) =>
      ops.map((op): Settled => {
        try {
          return { ok: true, value: op.run() };
        } catch (err) {
          return { ok: false, err };
        }
      }),
    );
    this.appendTx = db.transaction((batch: readonly NewMessage[]) => {
      const working = new Map<string, ConversationRecord>();
      return batch.map((m) => this.appendOne(m, working));
    });
    this.transitionTx = db.transaction((id: string, input: TransitionInput) => {
      const row = this.s.transition.get({
        id,
        status: input.next.status,
        agent_id: input.next.agentId,
        department: input.next.department,
        closed_at: input.next.status === 'closed' ? input.at : null,
        at: input.at,
        queue: input.queue ?? null,
        expect_status: input.expect.status,
        expect_agent: input.expect.agentId,
      }) as ConversationRow | undefined;
      if (!row) return null;
      return this.afterTransition(row, input.line, input.note, input.at, input.expect, input.outbox);
    });
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const applied = new Set(
      this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
    );
    const record = this.db.prepare(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        record.run(m.version, m.name, Date.now());
      })();
    }
  }

  /**
   * Runs inside a write transaction. `working` holds the conversation rows as this
   * transaction has changed them so far (the cache is only updated after the commit).
   *
   * The seq is the row's `last_seq` + 1, read from `working`, the write-through cache or the
   * database, so an append costs one INSERT and one UPDATE without RETURNING. A client id
   * already stored makes the INSERT a no-op (unique index on sender + cid) and nothing else
   * changes. Should the cached row be stale (another process wrote to this file), the
   * INSERT hits the (conversation_id, seq) primary key: the row is re-read inside this
   * transaction — which holds the write lock, so the re-read is the truth — and the append
   * retried once.
   */
  private appendOne(m: NewMessage, working: Map<string, ConversationRecord>, retried = false): AppendResult {
    const id0 = m.conversationId;
    const conv =
      working.get(id0) ?? (retried ? undefined : this.convCache.get(id0)) ?? this.readConversation(id0);
    if (conv === null) return { ok: false, reason: 'not_found' };
    const seq = conv.lastSeq + 1;
    const id = newId('m');
    let changes: number;
    try {
      changes = this.s.insertMessage.run(
        id,
        id0,
        seq,
        m.sender,
        m.cid,
        m.text,
        m.author.kind,
        m.author.id ?? null,
        m.author.name,
        m.event ? JSON.stringify(m.event) : null,
        m.at,
        attachmentColumn(m),
      ).changes;
    } catch (err) {
      if (retried || (err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw err;
      working.delete(id0);
      this.convCache.delete(id0);
      return this.appendOne(m, working, true);
    }
    if (changes === 0) {
      const existing = this.s.findMessageByCid.get(m.sender, m.cid) as MessageRow | undefined;
      if (!existing) throw new Error('message insert ignored without a stored duplicate');
      return { ok: true, message: toMessage(existing), duplicate: true };
    }
    const preview = previewOf(m.text);
    this.s.touchConversation.run(seq, preview, m.author.kind, m.at, m.at, id0);
    const next: ConversationRecord = {
      ...conv,
      lastSeq: seq,
      lastMessage: { text: preview, authorKind: m.author.kind, at: m.at },
      updatedAt: m.at,
    };
    working.set(id0, next);
    const message: Message = { id, conversationId: id0, seq, text: m.text, author: m.author, at: m.at };
    if (m.cid !== null) message.cid = m.cid;
    if (m.event) message.event = m.event;
    if (m.attachment) message.attachment = m.attachment;
    if (m.outbox)
      this.writeOutbox(outboxRows(m.outbox, 'message.created', conv.siteId, messageEventData(message), m.at));
    return { ok: true, message, duplicate: false, conversation: next };
  }

  /** An event and its deliveries, inside the caller's transaction. */
  private writeOutbox(rows: ReturnType<typeof outboxRows>): void {
    if (!rows) return;
    this.s.insertEvent.run(rows.event);
    for (const d of rows.deliveries) this.s.insertDelivery.run(d);
  }

  private readConversation(id: string): ConversationRecord | null {
    const r = this.s.getConversation.get(id) as ConversationRow | undefined;
    return r ? toConversation(r) : null;
  }

  private cacheConversation(c: ConversationRecord): ConversationRecord {
    lruSet(this.convCache, c.id, c, this.convCacheMax);
    return c;
  }

  private cacheVisitor(v: VisitorRecord): VisitorRecord {
    lruSet(this.visitorCache, v.id, v, this.convCacheMax);
    return v;
  }

  /** A refused compare-and-set means our copy may be stale (another writer): drop it. */
  private cacheTransition(id: string, r: TransitionResult | null): TransitionResult | null {
    if (r) this.cacheConversation(r.conversation);
    else this.convCache.delete(id);
    return r;
  }

  private insertNoteRow(n: NewNote, afterSeq: number): Note {
    const id = newId('n');
    this.s.insertNote.run({
      id,
      conversation_id: n.conversationId,
      sender: n.sender,
      cid: n.cid,
      text: n.text,
      author_id: n.author.id ?? null,
      author_name: n.author.name,
      after_seq: afterSeq,
      at: n.at,
    });
    return { id, conversationId: n.conversationId, text: n.text, author: n.author, at: n.at, afterSeq };
  }

  private afterTransition(
    row: ConversationRow,
    line: SystemLine | null,
    noteInput: NewNote | null,
    at: number,
    before: Pick<ConversationRecord, 'status' | 'agentId'>,
    outbox: OutboxTargets | null | undefined,
  ): TransitionResult {
    let message: Message | null = null;
    let conv = toConversation(row);
    if (line) {
      const r = this.appendOne(
        {
          conversationId: row.id,
          sender: null,
          cid: null,
          text: line.text,
          author: { kind: 'system', name: 'System' },
          event: line.event,
          at,
        },
        new Map([[row.id, conv]]),
      );
      if (r.ok) {
        message = r.message;
        if (!r.duplicate) conv = r.conversation;
      }
    }
    // A note whose (sender, cid) is already stored (a retried transfer) is not stored again.
    const duplicate =
      noteInput?.cid != null && this.s.findNoteByCid.get(noteInput.sender, noteInput.cid) !== undefined;
    const note = noteInput && !duplicate ? this.insertNoteRow(noteInput, conv.lastSeq) : null;
    this.writeOutbox(
      outboxRows(
        outbox,
        transitionEventType(before, conv, line),
        conv.siteId,
        conversationEventData(conv),
        at,
      ),
    );
    return { conversation: conv, message, note };
  }

  /** One process writes a SQLite database: a lock in this process's memory is enough. */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.sections.run(key, fn);
  }

  async ping(): Promise<void> {
    this.s.ping.get();
  }

  /** After every write on this connection: lets the checkpoint worker catch up. */
  private wrote(): void {
    this.checkpointer?.noteCommit();
  }

  /**
   * Group commit for row creations (a session's visitor, a first message's conversation):
   * those requested during one event-loop turn share one transaction, i.e. one WAL commit
   * instead of one each, and each promise resolves after that commit. With a hundred
   * visitors joining at once this is most of the commits of the connect path.
   */
  private grouped<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.groupQueue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.groupScheduled) {
        this.groupScheduled = true;
        setImmediate(() => this.flushGrouped());
      }
    });
  }

  private flushGrouped(): void {
    this.groupScheduled = false;
    const ops = this.groupQueue;
    if (ops.length === 0) return;
    this.groupQueue = [];
    let results: Settled[];
    try {
      results = this.groupTx(ops);
    } catch (err) {
      for (const op of ops) op.reject(err);
      return;
    }
    this.wrote();
    ops.forEach((op, i) => {
      const r = results[i] as Settled;
      if (r.ok) op.resolve(r.value);
      else op.reject(r.err);
    });
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.flushGrouped();
      this.search.flush();
    }
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  async getSetting(key: string): Promise<string | null> {
    return (this.s.getSetting.get(key) as string | undefined) ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.s.setSetting.run(key, value);
    this.wrote();
  }

  async isEmpty(): Promise<boolean> {
    return (this.s.countSites.get() as number) === 0;
  }

  async createSite(
    site: SiteRecord,
    agents: readonly NewAgent[] = [],
    onlyIfEmpty = false,
  ): Promise<boolean> {
    const created = this.db.transaction(() => {
      if (onlyIfEmpty && (this.s.countSites.get() as number) > 0) return false;
      this.s.insertSite.run(siteRowOf(site));
      for (const a of agents) this.insertAgent(a);
      return true;
    })();
    if (created) this.wrote();
    return created;
  }

  async updateSite(id: string, patch: SitePatch): Promise<SiteRecord | null> {
    const site = this.db.transaction(() => {
      const cur = this.s.getSite.get(id) as SiteRow | undefined;
      return cur ? toSite(this.s.updateSite.get(patchedSiteRow(cur, patch)) as SiteRow) : null;
    })();
    if (site) this.wrote();
    return site;
  }

  async rotateSiteSecret(id: string, secret: string, graceUntil: number): Promise<SiteRecord | null> {
    const r = this.s.rotateSecret.get({ id, secret, until: graceUntil }) as SiteRow | undefined;
    if (!r) return null;
    this.wrote();
    return toSite(r);
  }

  async getSite(id: string): Promise<SiteRecord | null> {
    const r = this.s.getSite.get(id) as SiteRow | undefined;
    return r ? toSite(r) : null;
  }

  async listSites(): Promise<SiteRecord[]> {
    return (this.s.listSites.all() as SiteRow[]).map(toSite);
  }

  private insertAgent(a: NewAgent): void {
    const rows = newAgentRows(a);
    this.s.insertAccount.run(rows.account);
    this.s.insertMembership.run(rows.membership);
  }

  async createAgent(a: NewAgent): Promise<void> {
    this.db.transaction(() => this.insertAgent(a))();
    this.wrote();
  }

  async getAgent(id: string, siteId: string): Promise<AgentRecord | null> {
    const r = this.s.getAgent.get(id, siteId) as AgentRow | undefined;
    return r ? toAgent(r) : null;
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const r = this.s.getAccount.get(id) as AccountRow | undefined;
    return r ? toAccount(r) : null;
  }

  async getAccountByEmail(email: string): Promise<AccountRecord | null> {
    const r = this.s.getAccountByEmail.get(email.trim()) as AccountRow | undefined;
    return r ? toAccount(r) : null;
  }

  async listMemberships(agentId: string): Promise<MembershipRecord[]> {
    return (this.s.listMemberships.all(agentId) as MembershipRow[]).map(toMembership);
  }

  async addMembership(m: MembershipRecord): Promise<void> {
    this.s.insertMembership.run(membershipRowOf(m));
    this.wrote();
  }

  async updateMembership(
    agentId: string,
    siteId: string,
    patch: MembershipPatch,
  ): Promise<AgentRecord | null> {
    const agent = this.db.transaction(() => {
      const cur = this.s.getAgent.get(agentId, siteId) as AgentRow | undefined;
      if (!cur) return null;
      const { created_at: _unused, ...row } = membershipRowOf(patchedMembership(toAgent(cur), patch));
      this.s.updateMembership.run(row);
      return toAgent(this.s.getAgent.get(agentId, siteId) as AgentRow);
    })();
    if (agent) this.wrote();
    return agent;
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<AccountRecord | null> {
    const account = this.db.transaction(() => {
      const cur = this.s.getAccount.get(id) as AccountRow | undefined;
      if (!cur) return null;
      return toAccount(
        this.s.updateAccount.get({
          id,
          name: patch.name ?? cur.name,
          password_hash: patch.passwordHash ?? cur.password_hash,
          token_version: cur.token_version + (patch.bumpTokenVersion ? 1 : 0),
          mail_left_messages:
            patch.mailLeftMessages === undefined ? cur.mail_left_messages : patch.mailLeftMessages ? 1 : 0,
        }) as AccountRow,
      );
    })();
    if (account) this.wrote();
    return account;
  }

  async listAgents(siteId: string): Promise<AgentRecord[]> {
    return (this.s.listAgents.all(siteId) as AgentRow[]).map(toAgent);
  }

  async updateAgentPasswordHash(id: string, from: string, to: string): Promise<boolean> {
    const changed = this.s.updateAgentPasswordHash.run({ id, from, to }).changes === 1;
    if (changed) this.wrote();
    return changed;
  }

  async createInvitation(inv: InvitationRecord): Promise<void> {
    this.s.insertInvitation.run({
      token_hash: inv.tokenHash,
      site_id: inv.siteId,
      agent_id: inv.agentId,
      expires_at: inv.expiresAt,
      used_at: inv.usedAt,
      created_at: inv.createdAt,
    });
    this.wrote();
  }

  async getInvitation(tokenHash: string): Promise<InvitationRecord | null> {
    const r = this.s.getInvitation.get(tokenHash) as InvitationRow | undefined;
    return r ? toInvitation(r) : null;
  }

  async acceptInvitation(
    tokenHash: string,
    at: number,
    account: { name: string; passwordHash: string; signOut?: boolean },
  ): Promise<AgentRecord | null> {
    const agent = this.db.transaction(() => {
      const inv = this.s.useInvitation.get({ token_hash: tokenHash, at }) as InvitationRow | undefined;
      if (!inv) return null;
      this.s.setAccountCredentials.run({
        id: inv.agent_id,
        name: account.name,
        password_hash: account.passwordHash,
        bump: account.signOut ? 1 : 0,
      });
      const r = this.s.getAgent.get(inv.agent_id, inv.site_id) as AgentRow | undefined;
      return r ? toAgent(r) : null;
    })();
    if (agent) this.wrote();
    return agent;
  }

  async createVisitor(v: VisitorRecord): Promise<void> {
    const row = {
      id: v.id,
      site_id: v.siteId,
      external_id: v.externalId,
      name: v.name,
      email: v.email,
      verified: v.verified ? 1 : 0,
      attributes: JSON.stringify(v.attributes),
      created_at: v.createdAt,
      last_seen_at: v.lastSeenAt,
    };
    await this.grouped(() => {
      this.s.insertVisitor.run(row);
      if (v.name !== null || v.email !== null) this.s.insertVisitorSearch.run(visitorSearchText(v), v.id);
    });
    this.cacheVisitor({ ...v, attributes: { ...v.attributes } });
    this.noteNewest(v.id, null);
  }

  private noteNewest(visitorId: string, value: { id: string; at: number } | null): void {
    lruSet(this.newestByVisitor, visitorId, value, this.convCacheMax);
  }

  async getVisitor(id: string): Promise<VisitorRecord | null> {
    const cached = this.visitorCache.get(id);
    if (cached) return cached;
    const r = this.s.getVisitor.get(id) as VisitorRow | undefined;
    return r ? this.cacheVisitor(toVisitor(r)) : null;
  }

  async findVisitorByExternalId(siteId: string, externalId: string): Promise<VisitorRecord | null> {
    const r = this.s.findVisitorByExternal.get(siteId, externalId) as VisitorRow | undefined;
    return r ? toVisitor(r) : null;
  }

  async updateVisitor(id: string, patch: VisitorPatch): Promise<VisitorRecord | null> {
    const row = this.visitorCache.has(id) ? null : (this.s.getVisitor.get(id) as VisitorRow | undefined);
    const cur = this.visitorCache.get(id) ?? (row ? toVisitor(row) : null);
    if (!cur) return null;
    const v = { ...cur, ...patch };
    const r = this.db.transaction(() => {
      const updated = this.s.updateVisitor.get({
        id,
        external_id: v.externalId,
        name: v.name,
        email: v.email,
        verified: v.verified ? 1 : 0,
        attributes: JSON.stringify(v.attributes),
        last_seen_at: v.lastSeenAt,
      }) as VisitorRow | undefined;
      // The search row follows the name and email (most updates only move lastSeenAt).
      if (updated && (updated.name !== cur.name || updated.email !== cur.email)) {
        this.s.deleteVisitorSearch.run(id);
        if (updated.name !== null || updated.email !== null) {
          this.s.insertVisitorSearch.run(visitorSearchText(updated), id);
        }
      }
      return updated;
    })();
    this.wrote();
    if (!r) {
      this.visitorCache.delete(id);
      return null;
    }
    return this.cacheVisitor(toVisitor(r));
  }

  async createConversation(input: NewConversation): Promise<ConversationRecord> {
    const r: ConversationRow = {
      id: newId('c'),
      site_id: input.siteId,
      visitor_id: input.visitorId,
      department: input.department,
      status: input.status,
      agent_id: null,
      last_seq: 0,
      last_text: null,
      last_author_kind: null,
      last_at: null,
      visitor_read_seq: 0,
      agent_read_seq: 0,
      created_at: input.at,
      updated_at: input.at,
      closed_at: input.status === 'closed' ? input.at : null,
      queued_at: input.at,
      queue_front: 0,
    };
    const conv = toConversation(r);
    await this.grouped(() => {
      this.s.insertConversation.run(r);
      this.writeOutbox(
        outboxRows(input.outbox, 'conversation.created', conv.siteId, conversationEventData(conv), input.at),
      );
    });
    const prev = this.newestByVisitor.get(input.visitorId);
    // Two conversations created in the same millisecond are ordered by id in the query: let it decide.
    if (prev && prev.at === r.created_at) this.newestByVisitor.delete(input.visitorId);
    else this.noteNewest(input.visitorId, { id: r.id, at: r.created_at });
    return this.cacheConversation(conv);
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    const cached = this.convCache.get(id);
    if (cached) {
      // Most recently used goes last.
      this.convCache.delete(id);
      this.convCache.set(id, cached);
      return cached;
    }
    const c = this.readConversation(id);
    return c ? this.cacheConversation(c) : null;
  }

  async listConversations(
    siteId: string,
    filter: ConversationFilter,
    before: { createdAt: number; id: string } | null,
    limit: number,
  ): Promise<ConversationRecord[]> {
    const { sql, values } = conversationListQuery(siteId, filter, before, limit, () => '?');
    let stmt = this.listStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.listStatements.set(sql, stmt);
    }
    return (stmt.all(...values) as ConversationRow[]).map(toConversation);
  }

  async searchConversations(
    siteIds: readonly string[],
    query: string,
    before: { createdAt: number; id: string } | null,
    limit: number,
  ): Promise<SearchHit[]> {
    const terms = searchTerms(query);
    if (terms.length === 0 || siteIds.length === 0 || limit <= 0) return [];
    // Every committed message is found: what waits for the index goes in first.
    this.search.flush();
    const rows = this.s.search.all({
      match: ftsMatch(terms),
      sites: JSON.stringify(siteIds),
      before_at: before?.createdAt ?? null,
      before_id: before?.id ?? null,
      limit,
    }) as (ConversationRow & { hit_seq: number | null })[];
    return rows.map((r) => {
      const m =
        r.hit_seq === null ? undefined : (this.s.getMessage.get(r.id, r.hit_seq) as MessageRow | undefined);
      return { conversation: toConversation(r), message: m ? toMessage(m) : null };
    });
  }

  async listOpenConversations(siteId: string, only?: 'queued'): Promise<ConversationRecord[]> {
    const stmt = only === 'queued' ? this.s.listQueued : this.s.listOpen;
    return (stmt.all(siteId) as ConversationRow[]).map(toConversation);
  }

  async listQueue(siteId: string): Promise<QueueEntry[]> {
    return (this.s.listQueue.all(siteId) as QueueTuple[]).map(
      ([id, visitorId, department, queuedAt, queueFront]) => ({
        id,
        visitorId,
        department,
        queuedAt,
        queueFront: queueFront === 1,
      }),
    );
  }

  async listVisitorConversations(visitorId: string, limit: number): Promise<ConversationRecord[]> {
    const newest = this.newestByVisitor.get(visitorId);
    if (newest === null || limit <= 0) return [];
    if (newest !== undefined && limit === 1) {
      const c = await this.getConversation(newest.id);
      if (c) return [c];
    }
    const rows = (this.s.listByVisitor.all(visitorId, limit) as ConversationRow[]).map(toConversation);
    const first = rows[0];
    this.noteNewest(visitorId, first ? { id: first.id, at: first.createdAt } : null);
    return rows;
  }

  async listAgentConversations(agentId: string): Promise<ConversationRecord[]> {
    return (this.s.listByAgent.all(agentId) as ConversationRow[]).map(toConversation);
  }

  async listAssignedAgents(): Promise<{ agentId: string; siteId: string }[]> {
    return (this.s.listAssignedAgents.all() as { agent_id: string; site_id: string }[]).map((r) => ({
      agentId: r.agent_id,
      siteId: r.site_id,
    }));
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    const results = this.appendTx(batch);
    this.wrote();
    // Committed: the rows it returned are the newest (in batch order, later wins).
    results.forEach((r, i) => {
      if (r.ok && !r.duplicate) {
        this.cacheConversation(r.conversation);
        if (!r.message.event) this.search.add(r.message.conversationId, r.message.seq, r.message.text);
      } else if (!r.ok) this.convCache.delete((batch[i] as NewMessage).conversationId);
    });
    return results;
  }

  async findMessageByCid(sender: string, cid: string): Promise<Message | null> {
    const r = this.s.findMessageByCid.get(sender, cid) as MessageRow | undefined;
    return r ? toMessage(r) : null;
  }

  async messagesSince(conversationId: string, afterSeq: number, limit = 100_000): Promise<Message[]> {
    return (this.s.messagesSince.all(conversationId, afterSeq, limit) as MessageRow[]).map(toMessage);
  }

  async messagesBefore(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]> {
    return (this.s.messagesBefore.all(conversationId, beforeSeq, limit) as MessageRow[]).map(toMessage);
  }

  async claimConversation(
    id: string,
    agentId: string,
    line: SystemLine | null,
    at: number,
    outbox?: OutboxTargets | null,
  ): Promise<TransitionResult | null> {
    const tx = this.db.transaction(() => {
      const row = this.s.claim.get(agentId, at, id) as ConversationRow | undefined;
      if (!row) return null;
      return this.afterTransition(row, line, null, at, { status: 'queued', agentId: null }, outbox);
    });
    const r = tx();
    this.wrote();
    return this.cacheTransition(id, r);
  }

  async transitionConversation(id: string, input: TransitionInput): Promise<TransitionResult | null> {
    const r = this.transitionTx(id, input);
    this.wrote();
    return this.cacheTransition(id, r);
  }

  async rateConversation(input: NewRating): Promise<RateResult> {
    const r = this.db.transaction((): RateResult => {
      const conv = this.readConversation(input.conversationId);
      // A resend after the conversation reopened is still the same rating (found by cid).
      const byCid =
        (this.s.findRatingByCid.get(input.conversationId, input.cid) as RatingRow | undefined) ??
        ((conv?.closedAt != null ? this.s.getRating.get(conv.id, conv.closedAt) : undefined) as
          | RatingRow
          | undefined);
      const existing = byCid ? toRating(byCid) : null;
      const plan = planRating(conv, input.visitorId, existing, input.cid);
      if (plan === 'duplicate' && conv && existing) {
        const m = this.s.findMessageByCid.get(input.sender, input.cid) as MessageRow | undefined;
        if (!m) throw new Error('rating stored without its line');
        return { ok: true, rating: existing, message: toMessage(m), conversation: conv, duplicate: true };
      }
      if (plan !== 'insert' || !conv || conv.closedAt === null) {
        return { ok: false, reason: plan === 'duplicate' || plan === 'insert' ? 'not_found' : plan };
      }
      const rating: RatingRecord = {
        id: newId('r'),
        conversationId: conv.id,
        siteId: conv.siteId,
        agentId: conv.agentId,
        score: input.score,
        comment: input.comment,
        cid: input.cid,
        closedAt: conv.closedAt,
        createdAt: input.at,
      };
      this.s.insertRating.run(ratingRow(rating));
      const a = this.appendOne(
        {
          conversationId: conv.id,
          sender: input.sender,
          cid: input.cid,
          text: input.line.text,
          author: { kind: 'system', name: 'System' },
          event: input.line.event,
          at: input.at,
        },
        new Map([[conv.id, conv]]),
      );
      if (!a.ok || a.duplicate) throw new Error('the rating line was not stored');
      this.writeOutbox(
        outboxRows(
          input.outbox,
          'conversation.rated',
          conv.siteId,
          ratingEventData(a.conversation, rating),
          input.at,
        ),
      );
      return { ok: true, rating, message: a.message, conversation: a.conversation, duplicate: false };
    })();
    if (r.ok && !r.duplicate) {
      this.wrote();
      this.cacheConversation(r.conversation);
    }
    return r;
  }

  async siteReport(filter: ReportFilter): Promise<ReportFigures> {
    const q = reportQueries(filter);
    // SQLite numbers `$n` parameters: pass them as an object keyed by position.
    const named = (params: unknown[]) => Object.fromEntries(params.map((v, i) => [String(i + 1), v]));
    const row = this.db.prepare(q.figures.sql).get(named(q.figures.params)) as Parameters<
      typeof toReportFigures
    >[0];
    const ratings = this.db.prepare(q.ratings.sql).all(named(q.ratings.params)) as {
      score: number;
      n: number;
    }[];
    return toReportFigures(row, ratings);
  }

  async listRatings(conversationId: string): Promise<RatingRecord[]> {
    return (this.s.listRatings.all(conversationId) as RatingRow[]).map(toRating);
  }

  async addNote(n: NewNote): Promise<{ note: Note; duplicate: boolean }> {
    this.wrote();
    return this.db.transaction(() => {
      if (n.cid !== null) {
        const existing = this.s.findNoteByCid.get(n.sender, n.cid) as NoteRow | undefined;
        if (existing) return { note: toNote(existing), duplicate: true };
      }
      const lastSeq = (this.s.lastSeq.get(n.conversationId) as number | undefined) ?? 0;
      return { note: this.insertNoteRow(n, lastSeq), duplicate: false };
    })();
  }

  async listNotes(conversationId: string): Promise<Note[]> {
    return (this.s.listNotes.all(conversationId) as NoteRow[]).map(toNote);
  }

  async setReadSeq(conversationId: string, side: ReadSide, seq: number): Promise<number | null> {
    const stmt = side === 'visitor' ? this.s.setVisitorRead : this.s.setAgentRead;
    // A read that would not move the cursor matches no row: nothing is written.
    const value = (stmt.get({ seq, id: conversationId }) as number | undefined) ?? null;
    if (value === null) return null;
    this.wrote();
    const cached = this.convCache.get(conversationId);
    if (cached) {
      // Records are shared and immutable: replace, do not mutate.
      this.convCache.set(
        conversationId,
        side === 'visitor' ? { ...cached, visitorReadSeq: value } : { ...cached, agentReadSeq: value },
      );
    }
    return value;
  }
  async createWebhook(w: WebhookRecord): Promise<void> {
    this.s.insertWebhook.run({
      id: w.id,
      site_id: w.siteId,
      url: w.url,
      events: JSON.stringify(w.events),
      secret: w.secret,
      active: w.active ? 1 : 0,
      created_at: w.createdAt,
    });
    this.wrote();
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const r = this.s.getWebhook.get(id) as WebhookRow | undefined;
    return r ? toWebhook(r) : null;
  }

  async listWebhooks(siteId: string): Promise<WebhookRecord[]> {
    return (this.s.listWebhooks.all(siteId) as WebhookRow[]).map(toWebhook);
  }

  async updateWebhook(id: string, patch: WebhookPatch): Promise<WebhookRecord | null> {
    const w = this.db.transaction(() => {
      const cur = this.s.getWebhook.get(id) as WebhookRow | undefined;
      if (!cur) return null;
      return toWebhook(
        this.s.updateWebhook.get({
          id,
          url: patch.url ?? cur.url,
          events: patch.events ? JSON.stringify(patch.events) : cur.events,
          active: patch.active === undefined ? cur.active : patch.active ? 1 : 0,
        }) as WebhookRow,
      );
    })();
    if (w) this.wrote();
    return w;
  }

  async leaseDueDeliveries(now: number, leaseUntil: number, limit: number): Promise<DueDelivery[]> {
    const due = this.db.transaction(() => {
      const rows = this.s.dueDeliveries.all(now, limit) as DeliveryRow[];
      for (const r of rows) this.s.leaseDelivery.run(leaseUntil, r.id);
      return rows.map((r) => ({ ...toDueDelivery(r), nextAt: leaseUntil }));
    })();
    if (due.length > 0) this.wrote();
    return due;
  }

  async finishDelivery(id: string, o: DeliveryOutcome): Promise<void> {
    this.s.finishDelivery.run({
      id,
      state: o.state,
      attempts: o.attempts,
      next_at: o.nextAt,
      last_status: o.lastStatus,
      last_error: o.lastError,
      at: o.at,
    });
    this.wrote();
  }

  async listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    return (this.s.listDeliveries.all(webhookId, limit) as DeliveryRow[]).map(toDelivery);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    const r = this.s.getDelivery.get(id) as DeliveryRow | undefined;
    return r ? toDelivery(r) : null;
  }

  async redeliver(id: string, at: number): Promise<DeliveryRecord | null> {
    if (this.s.redeliver.run({ id, at }).changes === 0) return null;
    this.wrote();
    return this.getDelivery(id);
  }
  async createApiKey(k: ApiKeyRecord): Promise<void> {
    this.s.insertApiKey.run({
      id: k.id,
      site_id: k.siteId,
      name: k.name,
      key_hash: k.keyHash,
      prefix: k.prefix,
      created_at: k.createdAt,
      revoked_at: k.revokedAt,
    });
    this.wrote();
  }

  async listApiKeys(siteId: string): Promise<ApiKeyRecord[]> {
    return (this.s.listApiKeys.all(siteId) as ApiKeyRow[]).map(toApiKey);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const r = this.s.getApiKey.get(id) as ApiKeyRow | undefined;
    return r ? toApiKey(r) : null;
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const r = this.s.findApiKey.get(keyHash) as ApiKeyRow | undefined;
    return r ? toApiKey(r) : null;
  }

  async replaceApiKey(id: string, keyHash: string, prefix: string): Promise<ApiKeyRecord | null> {
    const r = this.s.replaceApiKey.get(keyHash, prefix, id) as ApiKeyRow | undefined;
    if (!r) return null;
    this.wrote();
    return toApiKey(r);
  }

  async revokeApiKey(id: string, at: number): Promise<ApiKeyRecord | null> {
    const r = this.s.revokeApiKey.get(at, id) as ApiKeyRow | undefined;
    if (!r) return null;
    this.wrote();
    return toApiKey(r);
  }

  async listCanned(siteId: string, agentId: string | null): Promise<CannedRecord[]> {
    // '' never names an agent: with no agent, the site-wide ones only.
    return (this.s.listCanned.all(siteId, agentId ?? '') as CannedRow[]).map(toCanned);
  }

  async getCanned(id: string): Promise<CannedRecord | null> {
    const r = this.s.getCanned.get(id) as CannedRow | undefined;
    return r ? toCanned(r) : null;
  }

  async createCanned(c: CannedRecord): Promise<boolean> {
    if (this.s.insertCanned.run(cannedRow(c)).changes === 0) return false;
    this.wrote();
    return true;
  }

  async updateCanned(id: string, patch: CannedPatch, at: number): Promise<CannedRecord | null | 'duplicate'> {
    try {
      const r = this.s.updateCanned.get({
        id,
        shortcut: patch.shortcut ?? null,
        text: patch.text ?? null,
        at,
      }) as CannedRow | undefined;
      if (!r) return null;
      this.wrote();
      return toCanned(r);
    } catch (err) {
      if (isUniqueViolation(err)) return 'duplicate';
      throw err;
    }
  }

  async deleteCanned(id: string): Promise<boolean> {
    if (this.s.deleteCanned.run(id).changes === 0) return false;
    this.wrote();
    return true;
  }

  async listProactive(siteId: string): Promise<ProactiveRecord[]> {
    return (this.s.listProactive.all(siteId) as ProactiveRow[]).map(toProactive);
  }

  async getProactive(id: string): Promise<ProactiveRecord | null> {
    const r = this.s.getProactive.get(id) as ProactiveRow | undefined;
    return r ? toProactive(r) : null;
  }

  async putProactive(p: ProactiveRecord): Promise<void> {
    this.s.putProactive.run({
      id: p.id,
      site_id: p.siteId,
      rule: JSON.stringify(p.rule),
      created_at: p.createdAt,
    });
    this.wrote();
  }

  async deleteProactive(id: string): Promise<boolean> {
    if (this.s.deleteProactive.run(id).changes === 0) return false;
    this.wrote();
    return true;
  }

  async blockVisitor(b: BlockRecord): Promise<boolean> {
    const r = this.s.insertBlock.run({
      visitor_id: b.visitorId,
      site_id: b.siteId,
      blocked_by: b.by,
      reason: b.reason,
      created_at: b.createdAt,
    });
    if (r.changes === 0) return false;
    this.wrote();
    return true;
  }

  async unblockVisitor(visitorId: string): Promise<boolean> {
    if (this.s.deleteBlock.run(visitorId).changes === 0) return false;
    this.wrote();
    return true;
  }

  async getBlock(visitorId: string): Promise<BlockRecord | null> {
    const r = this.s.getBlock.get(visitorId) as BlockRow | undefined;
    return r ? toBlock(r) : null;
  }

  async listBlocks(siteId: string): Promise<BlockRecord[]> {
    return (this.s.listBlocks.all(siteId) as BlockRow[]).map(toBlock);
  }

  async putVisit(v: VisitRecord): Promise<void> {
    this.s.putVisit.run(...visitParams(v));
    this.wrote();
  }

  async getVisit(visitorId: string): Promise<VisitRecord | null> {
    const r = this.s.getVisit.get(visitorId) as VisitRow | undefined;
    return r ? toVisit(r) : null;
  }

  async deleteVisitor(
    visitorId: string,
    at: number,
    outbox?: OutboxTargets | null,
  ): Promise<DeletedVisitor | null> {
    const result = this.db.transaction((): DeletedVisitor | null => {
      const v = this.s.getVisitor.get(visitorId) as VisitorRow | undefined;
      if (!v) return null;
      const ids = (
        this.db
          .prepare('SELECT id FROM conversations WHERE visitor_id = ? ORDER BY created_at, id')
          .all(visitorId) as {
          id: string;
        }[]
      ).map((r) => r.id);
      const messages = this.deleteConversationRows(ids);
      for (const table of ['visits', 'blocks', 'visitor_search']) {
        this.db.prepare(`DELETE FROM ${table} WHERE visitor_id = ?`).run(visitorId);
      }
      this.db.prepare('DELETE FROM visitors WHERE id = ?').run(visitorId);
      this.writeOutbox(
        outboxRows(outbox, 'visitor.deleted', v.site_id, visitorDeletedEventData(toVisitor(v), ids), at),
      );
      return { conversationIds: ids, messages };
    })();
    if (result) {
      // Committed: what was still queued for the search index of those conversations goes too.
      this.search.forget(new Set(result.conversationIds));
      this.visitorCache.delete(visitorId);
      this.newestByVisitor.delete(visitorId);
      for (const id of result.conversationIds) this.convCache.delete(id);
      this.wrote();
    }
    return result;
  }

  async deleteClosedConversations(siteId: string, closedBefore: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const rows = this.db.transaction(() => {
      const found = this.db
        .prepare(
          `SELECT id, visitor_id FROM conversations WHERE site_id = ? AND status = 'closed' AND closed_at < ?
           ORDER BY closed_at, id LIMIT ?`,
        )
        .all(siteId, closedBefore, limit) as { id: string; visitor_id: string }[];
      this.deleteConversationRows(found.map((r) => r.id));
      return found;
    })();
    this.search.forget(new Set(rows.map((r) => r.id)));
    for (const r of rows) {
      this.convCache.delete(r.id);
      this.newestByVisitor.delete(r.visitor_id);
    }
    if (rows.length) this.wrote();
    return rows.map((r) => r.id);
  }

  async createRefreshSession(r: RefreshSessionRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO refresh_sessions (id, account_id, site_id, token_hash, previous_hash, rotated_at, token_version, role, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(...refreshSessionParams(r));
    this.wrote();
  }

  async getRefreshSession(id: string): Promise<RefreshSessionRecord | null> {
    const row = this.db.prepare('SELECT * FROM refresh_sessions WHERE id = ?').get(id) as
      | RefreshSessionRow
      | undefined;
    return row ? toRefreshSession(row) : null;
  }

  async rotateRefreshSession(
    id: string,
    fromHash: string,
    toHash: string,
    at: number,
    expiresAt: number,
  ): Promise<boolean> {
    const r = this.db
      .prepare(
        `UPDATE refresh_sessions SET previous_hash = token_hash, token_hash = ?, rotated_at = ?, expires_at = ?
         WHERE id = ? AND token_hash = ? AND revoked_at IS NULL`,
      )
      .run(toHash, at, expiresAt, id, fromHash);
    if (r.changes) this.wrote();
    return r.changes === 1;
  }

  async revokeRefreshSession(id: string, at: number): Promise<void> {
    this.db
      .prepare('UPDATE refresh_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(at, id);
    this.wrote();
  }

  async deleteExpiredRefreshSessions(before: number): Promise<number> {
    const r = this.db.prepare('DELETE FROM refresh_sessions WHERE expires_at < ?').run(before);
    if (r.changes) this.wrote();
    return r.changes;
  }

  async createAttachment(a: AttachmentRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO attachments (id, site_id, owner, name, type, size, conversation_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.id, a.siteId, a.owner, a.name, a.type, a.size, a.conversationId, a.createdAt);
    this.wrote();
  }

  async getAttachment(id: string): Promise<AttachmentRecord | null> {
    const r = this.db.prepare('SELECT * FROM attachments WHERE id = ?').get(id) as AttachmentRow | undefined;
    return r ? toAttachment(r) : null;
  }

  async bindAttachment(id: string, owner: string, conversationId: string): Promise<AttachmentRecord | null> {
    const r = this.db
      .prepare(
        `UPDATE attachments SET conversation_id = ?
         WHERE id = ? AND owner = ? AND (conversation_id IS NULL OR conversation_id = ?) RETURNING *`,
      )
      .get(conversationId, id, owner, conversationId) as AttachmentRow | undefined;
    if (r) this.wrote();
    return r ? toAttachment(r) : null;
  }

  async deleteUnboundAttachments(before: number, limit: number): Promise<string[]> {
    const rows = this.db
      .prepare(
        `DELETE FROM attachments WHERE id IN (
           SELECT id FROM attachments WHERE conversation_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?)
         RETURNING id`,
      )
      .all(before, limit) as { id: string }[];
    if (rows.length) this.wrote();
    return rows.map((r) => r.id);
  }

  async existingAttachments(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
      const chunk = ids.slice(i, i + DELETE_CHUNK);
      const rows = this.db
        .prepare(`SELECT id FROM attachments WHERE id IN (${chunk.map(() => '?').join(', ')})`)
        .all(...chunk) as { id: string }[];
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  async addAudit(e: AuditRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO audit_log (id, site_id, actor_id, actor_name, action, target, details, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(...auditParams(e));
    this.wrote();
  }

  async listAudit(
    siteId: string,
    before: { at: number; id: string } | null,
    limit: number,
  ): Promise<AuditRecord[]> {
    const rows = before
      ? this.db
          .prepare(
            'SELECT * FROM audit_log WHERE site_id = ? AND (at < ? OR (at = ? AND id < ?)) ORDER BY at DESC, id DESC LIMIT ?',
          )
          .all(siteId, before.at, before.at, before.id, limit)
      : this.db
          .prepare('SELECT * FROM audit_log WHERE site_id = ? ORDER BY at DESC, id DESC LIMIT ?')
          .all(siteId, limit);
    return (rows as AuditRow[]).map(toAudit);
  }

  /**
   * Deletes conversations and every row about them, inside the caller's transaction; returns
   * how many messages went. (The FTS table's conversation_id is unindexed: one scan per chunk.)
   */
  private deleteConversationRows(ids: readonly string[]): number {
    let messages = 0;
    for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
      const chunk = ids.slice(i, i + DELETE_CHUNK);
      const inList = chunk.map(() => '?').join(', ');
      const run = (sql: string) =>
        this.db.prepare(sql.replace('(:ids)', `(${inList})`)).run(...chunk).changes;
      run('DELETE FROM message_search WHERE conversation_id IN (:ids)');
      run('DELETE FROM message_search_progress WHERE conversation_id IN (:ids)');
      messages += run('DELETE FROM messages WHERE conversation_id IN (:ids)');
      run('DELETE FROM notes WHERE conversation_id IN (:ids)');
      run('DELETE FROM ratings WHERE conversation_id IN (:ids)');
      run('DELETE FROM attachments WHERE conversation_id IN (:ids)');
      run('DELETE FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE conversation_id IN (:ids))');
      run('DELETE FROM events WHERE conversation_id IN (:ids)');
      run('DELETE FROM conversations WHERE id IN (:ids)');
    }
    return messages;
  }
}

/** Conversations deleted per statement (SQLite binds at most 32 766 parameters). */
const DELETE_CHUNK = 500;

/**
 * The database holds customers' messages: its directory is created 0700 and the file 0600
 * before SQLite opens it (SQLite gives the -wal and -shm files the database file's mode).
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
