/**
 * PostgreSQL storage (node-postgres pool). The store for several gateway processes on one
 * database: it keeps no rows in memory (another process may have changed any of them), and
 * every guarantee is the database's own:
 *
 * - seqs: a batch's one statement (`APPEND_BATCH`) moves each conversation's `last_seq` by
 *   its count of new messages under the row lock and stores the messages with the seqs that
 *   frees, so appends from any number of processes are serialised per conversation and stay
 *   gap-free (the row-by-row fallback locks with `SELECT … FOR UPDATE` and takes `last_seq + 1`);
 * - `(sender, cid)` idempotency: the partial unique index (a resend racing the original through
 *   another process fails the batch statement on it, and the fallback's `ON CONFLICT DO
 *   NOTHING` waits for the original and then sees it);
 * - claims and transitions: one `UPDATE … WHERE status = … AND agent_id IS NOT DISTINCT FROM …`
 *   (compare-and-set; the row lock decides between two nodes).
 *
 * The SQL is the subset SQLite speaks too, with `$n` placeholders, `LEAST` for SQLite's scalar
 * `MIN` and `IS NOT DISTINCT FROM` for `IS` (docs/architecture.md, "Storage").
 */
import type { Message, Note } from '@switchboard/protocol';
import pg from 'pg';
import { newId } from '../ids.js';
import {
  conversationEventData,
  messageEventData,
  outboxRows,
  ratingEventData,
  transitionEventType,
  visitorDeletedEventData,
} from '../webhooks/events.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
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
  type QueueRow,
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
  toQueueEntry,
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
import { searchTerms, searchText, tsQuery, visitorSearchText } from './search.js';
import { TurnReads } from './turn-reads.js';
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

/** Anything that runs a query: the pool, or one client inside a transaction. */
type Queryable = Pick<pg.PoolClient, 'query'>;

/** A different key per schema: two processes starting at once migrate one after the other. */
const MIGRATION_LOCK = 0x5b0a_7d01;
/** First-run setup: one `createSite(…, onlyIfEmpty)` at a time. */
const SETUP_LOCK = 0x5b0a_7d02;

const INSERT_MESSAGE = `INSERT INTO messages (id, conversation_id, seq, sender, cid, text, author_kind, author_id, author_name, event, at, attachment)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  ON CONFLICT (sender, cid) WHERE sender IS NOT NULL AND cid IS NOT NULL DO NOTHING`;

/**
 * A whole group-commit batch in one statement (one round trip; without webhooks, autocommit, so
 * no BEGIN/COMMIT either). Parameters are one array per column, a row per message; the batch's
 * own resends are folded before (`appendMessages`), so each (sender, cid) appears once.
 * - `dup`: messages already stored under the row's (sender, cid), acked again with their seq;
 * - `upd`: each conversation's row moves by its count of new messages. The UPDATE locks the row
 *   and works on its newest version (a batch of another process that held it committed first),
 *   so `last_seq - n + k` are the seqs this batch owns, gap-free across processes;
 * - `ins`, `srch`: the messages and their search rows (the messages of a missing conversation
 *   join no `upd` row: not_found).
 * A resend racing its original through another process is stored by neither twice: the
 * snapshot cannot see the other's row, so the plain INSERT fails on the unique index (23505)
 * and nothing of the batch is written; a deadlock between two processes' batches (40P01) fails
 * it the same way. Both run the batch again row by row (`appendRowByRow`), which handles them.
 */
const APPEND_BATCH = `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[]) WITH ORDINALITY
    AS i(id, conversation_id, sender, cid, text, author_kind, author_id, author_name, event, at, preview, search,
      attachment, ord)
), dup AS (
  SELECT i.ord, row_to_json(m) AS message FROM input i JOIN messages m ON m.sender = i.sender AND m.cid = i.cid
), fresh AS (
  SELECT i.*, row_number() OVER w AS k, count(*) OVER w AS n
  FROM input i WHERE i.ord NOT IN (SELECT ord FROM dup)
  WINDOW w AS (PARTITION BY i.conversation_id ORDER BY i.ord ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), upd AS (
  UPDATE conversations c SET last_seq = c.last_seq + l.n, last_text = l.preview,
    last_author_kind = l.author_kind, last_at = l.at, updated_at = l.at
  FROM fresh l WHERE l.k = l.n AND c.id = l.conversation_id
  RETURNING c.*
), ins AS (
  INSERT INTO messages (id, conversation_id, seq, sender, cid, text, author_kind, author_id, author_name, event, at,
    attachment)
  SELECT f.id, f.conversation_id, u.last_seq - f.n + f.k, f.sender, f.cid, f.text, f.author_kind, f.author_id,
    f.author_name, f.event, f.at, f.attachment
  FROM fresh f JOIN upd u ON u.id = f.conversation_id
  RETURNING id, conversation_id, seq
), srch AS (
  INSERT INTO message_search (conversation_id, seq, body)
  SELECT s.conversation_id, s.seq, to_tsvector('simple', f.search) FROM ins s JOIN fresh f ON f.id = s.id
  WHERE f.search IS NOT NULL
)
SELECT i.ord, s.seq, d.message, row_to_json(u) AS conversation
FROM input i LEFT JOIN ins s ON s.id = i.id LEFT JOIN dup d ON d.ord = i.ord
  LEFT JOIN fresh f ON f.ord = i.ord LEFT JOIN upd u ON u.id = i.conversation_id AND f.k = f.n
ORDER BY i.ord`;

interface AppendBatchRow {
  ord: number;
  seq: number | null;
  message: MessageRow | null;
  /** The conversation's row after the batch, on the batch's last new message of it. */
  conversation: ConversationRow | null;
}

/** Errors after which a batch statement wrote nothing and the row-by-row transaction can decide. */
const RETRY_ROW_BY_ROW = new Set(['23505', '40P01']);

/** Rows per statement when (re)building the search index. */
const SEARCH_FILL_BATCH = 1000;

/**
 * Indexes every message (not system lines) and visitor that has no search row yet, in
 * key order, a batch per statement: after the migration that added search (rows written
 * before it) and after `migrate-to` copied a SQLite install. Idempotent.
 */
export async function fillSearchIndex(c: Queryable): Promise<{ messages: number; visitors: number }> {
  let messages = 0;
  let after: [string, number] = ['', 0];
  for (;;) {
    const rows = (
      await c.query<{ conversation_id: string; seq: number; text: string }>(
        `SELECT conversation_id, seq, text FROM messages
         WHERE event IS NULL AND (conversation_id, seq) > ($1::text, $2::int)
         ORDER BY conversation_id, seq LIMIT $3`,
        [after[0], after[1], SEARCH_FILL_BATCH],
      )
    ).rows;
    const last = rows.at(-1);
    if (!last) break;
    await c.query(
      `INSERT INTO message_search (conversation_id, seq, body)
       SELECT u.c, u.s, to_tsvector('simple', u.b) FROM unnest($1::text[], $2::int[], $3::text[]) AS u(c, s, b)
       ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.conversation_id), rows.map((r) => r.seq), rows.map((r) => searchText(r.text))],
    );
    messages += rows.length;
    after = [last.conversation_id, last.seq];
  }
  let visitors = 0;
  let afterId = '';
  for (;;) {
    const rows = (
      await c.query<{ id: string; name: string | null; email: string | null }>(
        `SELECT id, name, email FROM visitors
         WHERE id > $1 AND (name IS NOT NULL OR email IS NOT NULL) ORDER BY id LIMIT $2`,
        [afterId, SEARCH_FILL_BATCH],
      )
    ).rows;
    const last = rows.at(-1);
    if (!last) break;
    await c.query(
      `INSERT INTO visitor_search (visitor_id, body)
       SELECT u.v, to_tsvector('simple', u.b) FROM unnest($1::text[], $2::text[]) AS u(v, b)
       ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.id), rows.map((r) => visitorSearchText(r))],
    );
    visitors += rows.length;
    afterId = last.id;
  }
  return { messages, visitors };
}

/** Work a migration needs done in TypeScript, in its transaction, right after its SQL. */
const AFTER_MIGRATION: Readonly<Record<number, (c: Queryable) => Promise<unknown>>> = {
  8: fillSearchIndex,
};

/**
 * Brings the schema up to date inside the caller's transaction (the advisory lock is held until
 * it ends): the store on open, and `switchboard migrate-to`, which copies in the same transaction.
 */
export async function applyPostgresMigrations(c: Queryable): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await c.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const applied = new Set(
    (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
  );
  for (const m of POSTGRES_MIGRATIONS) {
    if (applied.has(m.version)) continue;
    await c.query(m.sql);
    await AFTER_MIGRATION[m.version]?.(c);
    await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      m.version,
      m.name,
      Date.now(),
    ]);
  }
}

export interface PostgresStorageOptions {
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /** Connections that hold advisory locks (`exclusive`), apart from the main pool (default 4). */
  lockConnections?: number;
}

/** Runs `fn` between BEGIN and COMMIT on `c`; ROLLBACK (and rethrow) when it throws. */
export async function inTransaction<T>(c: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await c.query('BEGIN');
  try {
    const result = await fn();
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Rows of a table by their `id`, for `TurnReads`. */
function rowsById<R extends pg.QueryResultRow & { id: string }>(
  pool: pg.Pool,
  table: 'conversations' | 'visitors',
): (ids: string[]) => Promise<Map<string, R>> {
  const text = `SELECT * FROM ${table} WHERE id = ANY($1::text[])`;
  return async (ids) => new Map((await pool.query<R>(text, [ids])).rows.map((r) => [r.id, r]));
}

export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  private closed = false;
  /** Every `send` reads its conversation, every summary its visitor: one statement per turn each. */
  private readonly conversationReads: TurnReads<ConversationRow>;
  private readonly visitorReads: TurnReads<VisitorRow>;

  private constructor(
    private readonly pool: pg.Pool,
    /** Holders of advisory locks: separate, so a critical section's own queries always find a connection. */
    private readonly lockPool: pg.Pool,
  ) {
    this.conversationReads = new TurnReads(rowsById<ConversationRow>(pool, 'conversations'));
    this.visitorReads = new TurnReads(rowsById<VisitorRow>(pool, 'visitors'));
  }

  /** Connects, runs the migrations this database lacks and returns the store. */
  static async open(url: string, opts: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const types = new pg.TypeOverrides();
    // COUNT(*) and BIGINT epoch milliseconds: numbers, not strings (all below 2^53).
    types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.maxConnections ?? 10,
      types,
      // The one prepared statement, the append batch: PostgreSQL would re-plan it on every run
      // (a custom plan for one row looks cheaper than the generic one), which cost more than the
      // statement itself. Only named statements are affected; every other query is planned once.
      options: '-c plan_cache_mode=force_generic_plan',
    });
    // An idle client that loses its server must not crash the process: the next query reports it.
    pool.on('error', () => undefined);
    const lockPool = new pg.Pool({ connectionString: url, max: opts.lockConnections ?? 4, types });
    lockPool.on('error', () => undefined);
    const store = new PostgresStorage(pool, lockPool);
    try {
      await store.migrate();
    } catch (err) {
      await Promise.all([pool.end(), lockPool.end()]);
      throw err;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    await this.tx((c) => applyPostgresMigrations(c));
  }

  /** Runs `fn` in one transaction on one client: COMMIT when it resolves, ROLLBACK when it throws. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      return await inTransaction(c, () => fn(c));
    } finally {
      c.release();
    }
  }

  private async one<R extends pg.QueryResultRow>(
    q: Queryable,
    text: string,
    values: unknown[],
  ): Promise<R | null> {
    return (await q.query<R>(text, values)).rows[0] ?? null;
  }

  private async all<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }

  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const c = await this.lockPool.connect();
    // A connection whose lock or unlock failed is destroyed: its session, and lock, end with it.
    let destroy: Error | undefined;
    try {
      try {
        await c.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
      } catch (err) {
        destroy = err instanceof Error ? err : new Error(String(err));
        throw err;
      }
      try {
        return await fn();
      } finally {
        await c.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch((err: unknown) => {
          destroy = err instanceof Error ? err : new Error(String(err));
        });
      }
    } finally {
      c.release(destroy);
    }
  }

  async getSetting(key: string): Promise<string | null> {
    const r = await this.one<{ value: string }>(this.pool, 'SELECT value FROM settings WHERE key = $1', [
      key,
    ]);
    return r?.value ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  async isEmpty(): Promise<boolean> {
    return (await this.one(this.pool, 'SELECT 1 FROM sites LIMIT 1', [])) === null;
  }

  private async insertSite(q: Queryable, site: SiteRecord): Promise<void> {
    const r = siteRowOf(site);
    await q.query(
      `INSERT INTO sites (id, name, secret, allowed_origins, departments, color, title, greeting, business_hours,
         previous_secret, previous_secret_until, assignment, created_at, department_assignment, retention_days)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        r.id,
        r.name,
        r.secret,
        r.allowed_origins,
        r.departments,
        r.color,
        r.title,
        r.greeting,
        r.business_hours,
        r.previous_secret,
        r.previous_secret_until,
        r.assignment,
        r.created_at,
        r.department_assignment,
        r.retention_days,
      ],
    );
  }

  async createSite(
    site: SiteRecord,
    agents: readonly NewAgent[] = [],
    onlyIfEmpty = false,
  ): Promise<boolean> {
    return this.tx(async (c) => {
      if (onlyIfEmpty) {
        // Two first-run setups at once: the second waits here and then sees the first site.
        await c.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK]);
        if (await this.one(c, 'SELECT 1 FROM sites LIMIT 1', [])) return false;
      }
      await this.insertSite(c, site);
      for (const a of agents) await this.insertAgent(c, a);
      return true;
    });
  }

  async getSite(id: string): Promise<SiteRecord | null> {
    const r = await this.one<SiteRow>(this.pool, 'SELECT * FROM sites WHERE id = $1', [id]);
    return r ? toSite(r) : null;
  }

  async listSites(): Promise<SiteRecord[]> {
    return (await this.all<SiteRow>('SELECT * FROM sites ORDER BY id COLLATE "C"', [])).map(toSite);
  }

  async updateSite(id: string, patch: SitePatch): Promise<SiteRecord | null> {
    return this.tx(async (c) => {
      const cur = await this.one<SiteRow>(c, 'SELECT * FROM sites WHERE id = $1 FOR UPDATE', [id]);
      if (!cur) return null;
      const n = patchedSiteRow(cur, patch);
      const row = await this.one<SiteRow>(
        c,
        `UPDATE sites SET name = $2, allowed_origins = $3, departments = $4, color = $5, title = $6,
           greeting = $7, business_hours = $8, assignment = $9, department_assignment = $10,
           retention_days = $11
         WHERE id = $1 RETURNING *`,
        [
          id,
          n.name,
          n.allowed_origins,
          n.departments,
          n.color,
          n.title,
          n.greeting,
          n.business_hours,
          n.assignment,
          n.department_assignment,
          n.retention_days,
        ],
      );
      return row ? toSite(row) : null;
    });
  }

  async rotateSiteSecret(id: string, secret: string, graceUntil: number): Promise<SiteRecord | null> {
    const r = await this.one<SiteRow>(
      this.pool,
      `UPDATE sites SET previous_secret = secret, previous_secret_until = $3, secret = $2
       WHERE id = $1 RETURNING *`,
      [id, secret, graceUntil],
    );
    return r ? toSite(r) : null;
  }

  private async insertMembership(q: Queryable, m: MembershipRecord): Promise<void> {
    const r = membershipRowOf(m);
    await q.query(
      `INSERT INTO memberships (agent_id, site_id, role, active, departments, max_chats, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.agent_id, r.site_id, r.role, r.active, r.departments, r.max_chats, r.created_at],
    );
  }

  private async insertAgent(q: Queryable, a: NewAgent): Promise<void> {
    const { account: r, membership } = newAgentRows(a);
    await q.query(
      `INSERT INTO agents (id, site_id, email, name, role, password_hash, token_version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.id, r.site_id, r.email, r.name, r.role, r.password_hash, r.token_version, r.created_at],
    );
    await this.insertMembership(q, toMembership(membership));
  }

  async createAgent(a: NewAgent): Promise<void> {
    await this.tx((c) => this.insertAgent(c, a));
  }

  private getAgentOn(q: Queryable, id: string, siteId: string): Promise<AgentRow | null> {
    return this.one<AgentRow>(q, `${AGENT_SELECT} WHERE m.agent_id = $1 AND m.site_id = $2`, [id, siteId]);
  }

  async getAgent(id: string, siteId: string): Promise<AgentRecord | null> {
    const r = await this.getAgentOn(this.pool, id, siteId);
    return r ? toAgent(r) : null;
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const r = await this.one<AccountRow>(this.pool, 'SELECT * FROM agents WHERE id = $1', [id]);
    return r ? toAccount(r) : null;
  }

  async getAccountByEmail(email: string): Promise<AccountRecord | null> {
    const r = await this.one<AccountRow>(this.pool, 'SELECT * FROM agents WHERE lower(email) = lower($1)', [
      email.trim(),
    ]);
    return r ? toAccount(r) : null;
  }

  async listMemberships(agentId: string): Promise<MembershipRecord[]> {
    const rows = await this.all<MembershipRow>(
      'SELECT * FROM memberships WHERE agent_id = $1 ORDER BY site_id COLLATE "C"',
      [agentId],
    );
    return rows.map(toMembership);
  }

  async addMembership(m: MembershipRecord): Promise<void> {
    await this.insertMembership(this.pool, m);
  }

  async updateMembership(
    agentId: string,
    siteId: string,
    patch: MembershipPatch,
  ): Promise<AgentRecord | null> {
    return this.tx(async (c) => {
      const cur = await this.one<AgentRow>(
        c,
        `${AGENT_SELECT} WHERE m.agent_id = $1 AND m.site_id = $2 FOR UPDATE OF m`,
        [agentId, siteId],
      );
      if (!cur) return null;
      const r = membershipRowOf(patchedMembership(toAgent(cur), patch));
      await c.query(
        `UPDATE memberships SET role = $3, active = $4, departments = $5, max_chats = $6
         WHERE agent_id = $1 AND site_id = $2`,
        [agentId, siteId, r.role, r.active, r.departments, r.max_chats],
      );
      const after = await this.getAgentOn(c, agentId, siteId);
      return after ? toAgent(after) : null;
    });
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<AccountRecord | null> {
    const r = await this.one<AccountRow>(
      this.pool,
      `UPDATE agents SET name = COALESCE($2, name), password_hash = COALESCE($3, password_hash),
         token_version = token_version + $4, mail_left_messages = COALESCE($5::int, mail_left_messages)
       WHERE id = $1 RETURNING *`,
      [
        id,
        patch.name ?? null,
        patch.passwordHash ?? null,
        patch.bumpTokenVersion ? 1 : 0,
        patch.mailLeftMessages === undefined ? null : patch.mailLeftMessages ? 1 : 0,
      ],
    );
    return r ? toAccount(r) : null;
  }

  async listAgents(siteId: string): Promise<AgentRecord[]> {
    // Byte order, as SQLite sorts: the list does not depend on the server's locale.
    const rows = await this.all<AgentRow>(
      `${AGENT_SELECT} WHERE m.site_id = $1 ORDER BY a.name COLLATE "C", a.id COLLATE "C"`,
      [siteId],
    );
    return rows.map(toAgent);
  }

  async createInvitation(inv: InvitationRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO invitations (token_hash, site_id, agent_id, expires_at, used_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [inv.tokenHash, inv.siteId, inv.agentId, inv.expiresAt, inv.usedAt, inv.createdAt],
    );
  }

  async getInvitation(tokenHash: string): Promise<InvitationRecord | null> {
    const r = await this.one<InvitationRow>(this.pool, 'SELECT * FROM invitations WHERE token_hash = $1', [
      tokenHash,
    ]);
    return r ? toInvitation(r) : null;
  }

  async acceptInvitation(
    tokenHash: string,
    at: number,
    account: { name: string; passwordHash: string; signOut?: boolean },
  ): Promise<AgentRecord | null> {
    return this.tx(async (c) => {
      const inv = await this.one<InvitationRow>(
        c,
        `UPDATE invitations SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING *`,
        [tokenHash, at],
      );
      if (!inv) return null;
      await c.query(
        'UPDATE agents SET name = $2, password_hash = $3, token_version = token_version + $4 WHERE id = $1',
        [inv.agent_id, account.name, account.passwordHash, account.signOut ? 1 : 0],
      );
      const r = await this.getAgentOn(c, inv.agent_id, inv.site_id);
      return r ? toAgent(r) : null;
    });
  }

  async updateAgentPasswordHash(id: string, from: string, to: string): Promise<boolean> {
    const r = await this.pool.query(
      'UPDATE agents SET password_hash = $3 WHERE id = $1 AND password_hash = $2',
      [id, from, to],
    );
    return r.rowCount === 1;
  }

  async createVisitor(v: VisitorRecord): Promise<void> {
    const searchable = v.name !== null || v.email !== null;
    // One statement either way: the search row is written with the visitor, atomically.
    await this.pool.query(
      searchable
        ? `WITH v AS (
             INSERT INTO visitors (id, site_id, external_id, name, email, verified, attributes, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
           ) INSERT INTO visitor_search (visitor_id, body) SELECT id, to_tsvector('simple', $10) FROM v`
        : `INSERT INTO visitors (id, site_id, external_id, name, email, verified, attributes, created_at, last_seen_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        v.id,
        v.siteId,
        v.externalId,
        v.name,
        v.email,
        v.verified ? 1 : 0,
        JSON.stringify(v.attributes),
        v.createdAt,
        v.lastSeenAt,
        ...(searchable ? [visitorSearchText(v)] : []),
      ],
    );
  }

  async getVisitor(id: string): Promise<VisitorRecord | null> {
    const r = await this.visitorReads.get(id);
    return r ? toVisitor(r) : null;
  }

  async findVisitorByExternalId(siteId: string, externalId: string): Promise<VisitorRecord | null> {
    const r = await this.one<VisitorRow>(
      this.pool,
      'SELECT * FROM visitors WHERE site_id = $1 AND external_id = $2',
      [siteId, externalId],
    );
    return r ? toVisitor(r) : null;
  }

  async updateVisitor(id: string, patch: VisitorPatch): Promise<VisitorRecord | null> {
    return this.tx(async (c) => {
      const row = await this.one<VisitorRow>(c, 'SELECT * FROM visitors WHERE id = $1 FOR UPDATE', [id]);
      if (!row) return null;
      const v = { ...toVisitor(row), ...patch };
      const r = await this.one<VisitorRow>(
        c,
        `UPDATE visitors SET external_id = $2, name = $3, email = $4, verified = $5, attributes = $6,
           last_seen_at = $7 WHERE id = $1 RETURNING *`,
        [id, v.externalId, v.name, v.email, v.verified ? 1 : 0, JSON.stringify(v.attributes), v.lastSeenAt],
      );
      // The search row follows the name and email (most updates only move lastSeenAt).
      if (r && (r.name !== row.name || r.email !== row.email)) {
        await c.query('DELETE FROM visitor_search WHERE visitor_id = $1', [id]);
        if (r.name !== null || r.email !== null) {
          await c.query(
            `INSERT INTO visitor_search (visitor_id, body) VALUES ($1, to_tsvector('simple', $2))`,
            [id, visitorSearchText(r)],
          );
        }
      }
      return r ? toVisitor(r) : null;
    });
  }

  async createConversation(input: NewConversation): Promise<ConversationRecord> {
    if (input.outbox?.['conversation.created']?.length) {
      return this.tx(async (c) => {
        const conv = await this.insertConversation(c, input);
        await this.writeOutbox(
          c,
          outboxRows(
            input.outbox,
            'conversation.created',
            conv.siteId,
            conversationEventData(conv),
            input.at,
          ),
        );
        return conv;
      });
    }
    return this.insertConversation(this.pool, input);
  }

  private async insertConversation(q: Queryable, input: NewConversation): Promise<ConversationRecord> {
    const r = await this.one<ConversationRow>(
      q,
      `INSERT INTO conversations (id, site_id, visitor_id, department, status, created_at, updated_at, closed_at, queued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $6) RETURNING *`,
      [
        newId('c'),
        input.siteId,
        input.visitorId,
        input.department,
        input.status,
        input.at,
        input.status === 'closed' ? input.at : null,
      ],
    );
    if (!r) throw new Error('conversation insert returned no row');
    return toConversation(r);
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    const r = await this.conversationReads.get(id);
    return r ? toConversation(r) : null;
  }

  async listConversations(
    siteId: string,
    filter: ConversationFilter,
    before: { createdAt: number; id: string } | null,
    limit: number,
  ): Promise<ConversationRecord[]> {
    let n = 0;
    const { sql, values } = conversationListQuery(
      siteId,
      filter,
      before,
      limit,
      () => `$${++n}`,
      ' COLLATE "C"',
    );
    return (await this.all<ConversationRow>(sql, values)).map(toConversation);
  }

  async searchConversations(
    siteIds: readonly string[],
    query: string,
    before: { createdAt: number; id: string } | null,
    limit: number,
  ): Promise<SearchHit[]> {
    const terms = searchTerms(query);
    if (terms.length === 0 || siteIds.length === 0 || limit <= 0) return [];
    // Ids compare bytewise (COLLATE "C"), as in SQLite and conversationListQuery.
    const rows = await this.all<ConversationRow & { hit_seq: number | null }>(
      `WITH q AS (SELECT to_tsquery('simple', $1) AS q),
       hits AS (
         SELECT conversation_id, MAX(seq) AS seq FROM message_search, q
         WHERE body @@ q.q GROUP BY conversation_id
       ), visitor_hits AS (
         SELECT visitor_id FROM visitor_search, q WHERE body @@ q.q
       )
       SELECT c.*, h.seq AS hit_seq FROM conversations c LEFT JOIN hits h ON h.conversation_id = c.id
       WHERE c.site_id = ANY($2::text[])
         AND (h.seq IS NOT NULL OR c.visitor_id IN (SELECT visitor_id FROM visitor_hits))
         AND ($3::bigint IS NULL OR c.created_at < $3 OR (c.created_at = $3 AND c.id COLLATE "C" < $4))
       ORDER BY c.created_at DESC, c.id COLLATE "C" DESC LIMIT $5`,
      [tsQuery(terms), [...siteIds], before?.createdAt ?? null, before?.id ?? null, limit],
    );
    const hits = rows.filter((r) => r.hit_seq !== null);
    const messages = hits.length
      ? await this.all<MessageRow>(
          `SELECT m.* FROM messages m JOIN unnest($1::text[], $2::int[]) AS u(c, s)
           ON m.conversation_id = u.c AND m.seq = u.s`,
          [hits.map((r) => r.id), hits.map((r) => r.hit_seq)],
        )
      : [];
    const byConv = new Map(messages.map((m) => [m.conversation_id, toMessage(m)]));
    return rows.map((r) => ({ conversation: toConversation(r), message: byConv.get(r.id) ?? null }));
  }

  async listOpenConversations(siteId: string, only?: 'queued'): Promise<ConversationRecord[]> {
    const statuses = only === 'queued' ? `('queued')` : `('queued', 'assigned')`;
    const rows = await this.all<ConversationRow>(
      `SELECT * FROM conversations WHERE site_id = $1 AND status IN ${statuses} ORDER BY updated_at DESC`,
      [siteId],
    );
    return rows.map(toConversation);
  }

  async listQueue(siteId: string): Promise<QueueEntry[]> {
    const rows = await this.all<QueueRow>(
      `SELECT ${QUEUE_COLUMNS} FROM conversations WHERE site_id = $1 AND status = 'queued'`,
      [siteId],
    );
    return rows.map(toQueueEntry);
  }

  async listVisitorConversations(visitorId: string, limit: number): Promise<ConversationRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.all<ConversationRow>(
      'SELECT * FROM conversations WHERE visitor_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
      [visitorId, limit],
    );
    return rows.map(toConversation);
  }

  async listAgentConversations(agentId: string): Promise<ConversationRecord[]> {
    const rows = await this.all<ConversationRow>(
      `SELECT * FROM conversations WHERE agent_id = $1 AND status = 'assigned'`,
      [agentId],
    );
    return rows.map(toConversation);
  }

  async listAssignedAgents(): Promise<{ agentId: string; siteId: string }[]> {
    const rows = await this.all<{ agent_id: string; site_id: string }>(
      `SELECT DISTINCT agent_id, site_id FROM conversations WHERE status = 'assigned' AND agent_id IS NOT NULL`,
      [],
    );
    return rows.map((r) => ({ agentId: r.agent_id, siteId: r.site_id }));
  }

  /**
   * Inside a transaction. `working` holds the rows this transaction has locked and changed so
   * far: the first append to a conversation locks its row, later ones in the batch reuse it.
   * A resent client id inserts nothing and moves no seq (the INSERT comes before the UPDATE).
   */
  private async appendOne(
    c: pg.PoolClient,
    m: NewMessage,
    working: Map<string, ConversationRecord>,
  ): Promise<AppendResult> {
    const convId = m.conversationId;
    let conv = working.get(convId) ?? null;
    if (!conv) {
      const row = await this.one<ConversationRow>(c, 'SELECT * FROM conversations WHERE id = $1 FOR UPDATE', [
        convId,
      ]);
      if (!row) return { ok: false, reason: 'not_found' };
      conv = toConversation(row);
    }
    const seq = conv.lastSeq + 1;
    const id = newId('m');
    const inserted = await c.query(INSERT_MESSAGE, [
      id,
      convId,
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
    ]);
    if (inserted.rowCount === 0) {
      const existing = await this.one<MessageRow>(
        c,
        'SELECT * FROM messages WHERE sender = $1 AND cid = $2',
        [m.sender, m.cid],
      );
      if (!existing) throw new Error('message insert ignored without a stored duplicate');
      working.set(convId, conv);
      return { ok: true, message: toMessage(existing), duplicate: true };
    }
    const preview = previewOf(m.text);
    await c.query(
      `UPDATE conversations SET last_seq = $2, last_text = $3, last_author_kind = $4, last_at = $5, updated_at = $5
       WHERE id = $1`,
      [convId, seq, preview, m.author.kind, m.at],
    );
    if (!m.event) {
      await c.query(
        `INSERT INTO message_search (conversation_id, seq, body) VALUES ($1, $2, to_tsvector('simple', $3))`,
        [convId, seq, searchText(m.text)],
      );
    }
    const next: ConversationRecord = {
      ...conv,
      lastSeq: seq,
      lastMessage: { text: preview, authorKind: m.author.kind, at: m.at },
      updatedAt: m.at,
    };
    working.set(convId, next);
    const message: Message = { id, conversationId: convId, seq, text: m.text, author: m.author, at: m.at };
    if (m.cid !== null) message.cid = m.cid;
    if (m.event) message.event = m.event;
    if (m.attachment) message.attachment = m.attachment;
    if (m.outbox) {
      await this.writeOutbox(
        c,
        outboxRows(m.outbox, 'message.created', conv.siteId, messageEventData(message), m.at),
      );
    }
    return { ok: true, message, duplicate: false, conversation: next };
  }

  /** An event and its deliveries, inside the caller's transaction. */
  private async writeOutbox(c: Queryable, rows: ReturnType<typeof outboxRows>): Promise<void> {
    if (!rows) return;
    const e = rows.event;
    await c.query(
      'INSERT INTO events (id, site_id, type, data, conversation_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [e.id, e.site_id, e.type, e.data, e.conversation_id, e.created_at],
    );
    for (const d of rows.deliveries) {
      await c.query(
        `INSERT INTO deliveries (id, event_id, webhook_id, state, attempts, next_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', 0, $4, $5, $5)`,
        [d.id, d.event_id, d.webhook_id, d.next_at, d.created_at],
      );
    }
  }

  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    try {
      return await this.appendBatch(batch);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && RETRY_ROW_BY_ROW.has(code)) return this.appendRowByRow(batch);
      throw err;
    }
  }

  /** The batch in one statement (`APPEND_BATCH`), plus its webhook outbox in the same transaction. */
  private async appendBatch(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    // A cid twice in one batch (a quick resend): the first is stored, the later ones are its duplicates.
    const firstOf = new Map<string, number>();
    const unique: { m: NewMessage; id: string }[] = [];
    const slot: number[] = [];
    const later: number[] = [];
    batch.forEach((m, i) => {
      const key = m.sender !== null && m.cid !== null ? `${m.sender}\u0000${m.cid}` : null;
      const first = key === null ? undefined : firstOf.get(key);
      if (first !== undefined) {
        slot.push(first);
        later.push(i);
        return;
      }
      if (key !== null) firstOf.set(key, unique.length);
      slot.push(unique.length);
      unique.push({ m, id: newId('m') });
    });
    const cols: unknown[][] = Array.from({ length: 13 }, () => []);
    for (const { m, id } of unique) {
      const row = [
        id,
        m.conversationId,
        m.sender,
        m.cid,
        m.text,
        m.author.kind,
        m.author.id ?? null,
        m.author.name,
        m.event ? JSON.stringify(m.event) : null,
        m.at,
        previewOf(m.text),
        m.event ? null : searchText(m.text),
        attachmentColumn(m),
      ];
      row.forEach((v, j) => {
        cols[j]?.push(v);
      });
    }
    const withOutbox = batch.some((m) => m.outbox);
    const run = async (q: Queryable): Promise<AppendResult[]> => {
      // Prepared (named) on each connection: planning this statement costs PostgreSQL more than
      // running it for a small batch.
      const rows = (
        await q.query<AppendBatchRow>({ name: 'sb_append_batch', text: APPEND_BATCH, values: cols })
      ).rows;
      const results = this.batchResults(unique, rows);
      if (withOutbox) {
        for (const [j, r] of results.entries()) {
          const m = unique[j]?.m;
          if (!m?.outbox || !r.ok || r.duplicate) continue;
          await this.writeOutbox(
            q,
            outboxRows(m.outbox, 'message.created', r.conversation.siteId, messageEventData(r.message), m.at),
          );
        }
      }
      return results;
    };
    const results = withOutbox ? await this.tx(run) : await run(this.pool);
    const out = slot.map((j) => results[j] as AppendResult);
    for (const i of later) {
      const first = out[i];
      if (first?.ok) out[i] = { ok: true, message: first.message, duplicate: true };
    }
    return out;
  }

  /** Each message's result from the batch statement's rows (in input order). */
  private batchResults(
    unique: readonly { m: NewMessage; id: string }[],
    rows: readonly AppendBatchRow[],
  ): AppendResult[] {
    const convs = new Map<string, ConversationRecord>();
    for (const r of rows) if (r.conversation) convs.set(r.conversation.id, toConversation(r.conversation));
    return unique.map(({ m, id }, j): AppendResult => {
      const r = rows[j];
      if (r?.message) return { ok: true, message: toMessage(r.message), duplicate: true };
      const conv = convs.get(m.conversationId);
      if (!r || r.seq === null || !conv) return { ok: false, reason: 'not_found' };
      const seq = Number(r.seq);
      const message: Message = {
        id,
        conversationId: m.conversationId,
        seq,
        text: m.text,
        author: m.author,
        at: m.at,
      };
      if (m.cid !== null) message.cid = m.cid;
      if (m.event) message.event = m.event;
      if (m.attachment) message.attachment = m.attachment;
      // The row as of this message, like the row-by-row path gives it.
      const conversation: ConversationRecord = {
        ...conv,
        lastSeq: seq,
        lastMessage: { text: previewOf(m.text), authorKind: m.author.kind, at: m.at },
        updatedAt: m.at,
      };
      return { ok: true, message, duplicate: false, conversation };
    });
  }

  /** The batch in one transaction, a message at a time (the fallback of `appendBatch`). */
  private appendRowByRow(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    return this.tx(async (c) => {
      const working = new Map<string, ConversationRecord>();
      const results: AppendResult[] = [];
      for (const m of batch) results.push(await this.appendOne(c, m, working));
      return results;
    });
  }

  async findMessageByCid(sender: string, cid: string): Promise<Message | null> {
    const r = await this.one<MessageRow>(this.pool, 'SELECT * FROM messages WHERE sender = $1 AND cid = $2', [
      sender,
      cid,
    ]);
    return r ? toMessage(r) : null;
  }

  async messagesSince(conversationId: string, afterSeq: number, limit = 100_000): Promise<Message[]> {
    const rows = await this.all<MessageRow>(
      'SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2::bigint ORDER BY seq LIMIT $3',
      [conversationId, afterSeq, limit],
    );
    return rows.map(toMessage);
  }

  async messagesBefore(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]> {
    const rows = await this.all<MessageRow>(
      `SELECT * FROM (SELECT * FROM messages WHERE conversation_id = $1 AND seq < $2::bigint ORDER BY seq DESC LIMIT $3) page
       ORDER BY seq`,
      [conversationId, beforeSeq, limit],
    );
    return rows.map(toMessage);
  }

  private async insertNoteRow(c: Queryable, n: NewNote, afterSeq: number): Promise<Note> {
    const id = newId('n');
    await c.query(
      `INSERT INTO notes (id, conversation_id, sender, cid, text, author_id, author_name, after_seq, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [id, n.conversationId, n.sender, n.cid, n.text, n.author.id ?? null, n.author.name, afterSeq, n.at],
    );
    return { id, conversationId: n.conversationId, text: n.text, author: n.author, at: n.at, afterSeq };
  }

  /** The system line and the note of a transition, in its transaction (the row is locked by its UPDATE). */
  private async afterTransition(
    c: pg.PoolClient,
    row: ConversationRow,
    line: SystemLine | null,
    noteInput: NewNote | null,
    at: number,
    before: Pick<ConversationRecord, 'status' | 'agentId'>,
    outbox: OutboxTargets | null | undefined,
  ): Promise<TransitionResult> {
    let conv = toConversation(row);
    let message: Message | null = null;
    if (line) {
      const r = await this.appendOne(
        c,
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
      noteInput?.cid != null &&
      (await this.one(c, 'SELECT 1 FROM notes WHERE sender = $1 AND cid = $2', [
        noteInput.sender,
        noteInput.cid,
      ])) !== null;
    const note = noteInput && !duplicate ? await this.insertNoteRow(c, noteInput, conv.lastSeq) : null;
    await this.writeOutbox(
      c,
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

  async claimConversation(
    id: string,
    agentId: string,
    line: SystemLine | null,
    at: number,
    outbox?: OutboxTargets | null,
  ): Promise<TransitionResult | null> {
    return this.tx(async (c) => {
      const row = await this.one<ConversationRow>(
        c,
        `UPDATE conversations SET status = 'assigned', agent_id = $2, updated_at = $3
         WHERE id = $1 AND status = 'queued' RETURNING *`,
        [id, agentId, at],
      );
      return row
        ? this.afterTransition(c, row, line, null, at, { status: 'queued', agentId: null }, outbox)
        : null;
    });
  }

  async transitionConversation(id: string, input: TransitionInput): Promise<TransitionResult | null> {
    return this.tx(async (c) => {
      const row = await this.one<ConversationRow>(
        c,
        `UPDATE conversations SET status = $2, agent_id = $3, department = $4, closed_at = $5, updated_at = $6,
           queued_at = CASE WHEN $9::text IS NULL THEN queued_at ELSE $6 END,
           queue_front = CASE WHEN $9::text IS NULL THEN queue_front WHEN $9::text = 'front' THEN 1 ELSE 0 END
         WHERE id = $1 AND status = $7 AND agent_id IS NOT DISTINCT FROM $8 RETURNING *`,
        [
          id,
          input.next.status,
          input.next.agentId,
          input.next.department,
          input.next.status === 'closed' ? input.at : null,
          input.at,
          input.expect.status,
          input.expect.agentId,
          input.queue ?? null,
        ],
      );
      return row
        ? this.afterTransition(c, row, input.line, input.note, input.at, input.expect, input.outbox)
        : null;
    });
  }

  async rateConversation(input: NewRating): Promise<RateResult> {
    return this.tx(async (c): Promise<RateResult> => {
      // The row lock orders the rating with a reopen or a close racing it.
      const row = await this.one<ConversationRow>(c, 'SELECT * FROM conversations WHERE id = $1 FOR UPDATE', [
        input.conversationId,
      ]);
      const conv = row ? toConversation(row) : null;
      const found =
        (await this.one<RatingRow>(c, 'SELECT * FROM ratings WHERE conversation_id = $1 AND cid = $2', [
          input.conversationId,
          input.cid,
        ])) ??
        (conv?.closedAt != null
          ? await this.one<RatingRow>(
              c,
              'SELECT * FROM ratings WHERE conversation_id = $1 AND closed_at = $2',
              [conv.id, conv.closedAt],
            )
          : null);
      const existing = found ? toRating(found) : null;
      const plan = planRating(conv, input.visitorId, existing, input.cid);
      if (plan === 'duplicate' && conv && existing) {
        const m = await this.one<MessageRow>(c, 'SELECT * FROM messages WHERE sender = $1 AND cid = $2', [
          input.sender,
          input.cid,
        ]);
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
      const r = ratingRow(rating);
      await c.query(
        `INSERT INTO ratings (id, conversation_id, site_id, agent_id, score, comment, cid, closed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          r.id,
          r.conversation_id,
          r.site_id,
          r.agent_id,
          r.score,
          r.comment,
          r.cid,
          r.closed_at,
          r.created_at,
        ],
      );
      const a = await this.appendOne(
        c,
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
      await this.writeOutbox(
        c,
        outboxRows(
          input.outbox,
          'conversation.rated',
          conv.siteId,
          ratingEventData(a.conversation, rating),
          input.at,
        ),
      );
      return { ok: true, rating, message: a.message, conversation: a.conversation, duplicate: false };
    });
  }

  async siteReport(filter: ReportFilter): Promise<ReportFigures> {
    const q = reportQueries(filter);
    const [row] = await this.all<Parameters<typeof toReportFigures>[0]>(q.figures.sql, q.figures.params);
    const ratings = await this.all<{ score: number; n: string }>(q.ratings.sql, q.ratings.params);
    if (!row) throw new Error('report query returned no row');
    return toReportFigures(row, ratings);
  }

  async listRatings(conversationId: string): Promise<RatingRecord[]> {
    const rows = await this.all<RatingRow>(
      'SELECT * FROM ratings WHERE conversation_id = $1 ORDER BY closed_at',
      [conversationId],
    );
    return rows.map(toRating);
  }

  async addNote(n: NewNote): Promise<{ note: Note; duplicate: boolean }> {
    return this.tx(async (c) => {
      // The conversation row lock orders notes with the appends they follow (afterSeq).
      const conv = await this.one<{ last_seq: number }>(
        c,
        'SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE',
        [n.conversationId],
      );
      if (n.cid !== null) {
        const existing = await this.one<NoteRow>(c, 'SELECT * FROM notes WHERE sender = $1 AND cid = $2', [
          n.sender,
          n.cid,
        ]);
        if (existing) return { note: toNote(existing), duplicate: true };
      }
      return { note: await this.insertNoteRow(c, n, conv?.last_seq ?? 0), duplicate: false };
    });
  }

  async listNotes(conversationId: string): Promise<Note[]> {
    const rows = await this.all<NoteRow>('SELECT * FROM notes WHERE conversation_id = $1 ORDER BY at, ord', [
      conversationId,
    ]);
    return rows.map(toNote);
  }

  async setReadSeq(conversationId: string, side: ReadSide, seq: number): Promise<number | null> {
    const col = side === 'visitor' ? 'visitor_read_seq' : 'agent_read_seq';
    // A read that would not move the cursor matches no row: nothing is written.
    const r = await this.one<{ value: number }>(
      this.pool,
      `UPDATE conversations SET ${col} = LEAST($2::integer, last_seq)
       WHERE id = $1 AND ${col} < LEAST($2::integer, last_seq) RETURNING ${col} AS value`,
      [conversationId, seq],
    );
    return r?.value ?? null;
  }
  async createWebhook(w: WebhookRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO webhooks (id, site_id, url, events, secret, active, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [w.id, w.siteId, w.url, JSON.stringify(w.events), w.secret, w.active ? 1 : 0, w.createdAt],
    );
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const r = await this.one<WebhookRow>(this.pool, 'SELECT * FROM webhooks WHERE id = $1', [id]);
    return r ? toWebhook(r) : null;
  }

  async listWebhooks(siteId: string): Promise<WebhookRecord[]> {
    const rows = await this.all<WebhookRow>(
      'SELECT * FROM webhooks WHERE site_id = $1 ORDER BY created_at, id COLLATE "C"',
      [siteId],
    );
    return rows.map(toWebhook);
  }

  async updateWebhook(id: string, patch: WebhookPatch): Promise<WebhookRecord | null> {
    const r = await this.one<WebhookRow>(
      this.pool,
      `UPDATE webhooks SET url = COALESCE($2, url), events = COALESCE($3, events), active = COALESCE($4, active)
       WHERE id = $1 RETURNING *`,
      [
        id,
        patch.url ?? null,
        patch.events ? JSON.stringify(patch.events) : null,
        patch.active === undefined ? null : patch.active ? 1 : 0,
      ],
    );
    return r ? toWebhook(r) : null;
  }

  async leaseDueDeliveries(now: number, leaseUntil: number, limit: number): Promise<DueDelivery[]> {
    // SKIP LOCKED: nodes leasing at once take different rows; the lease keeps them apart after.
    const leased = await this.all<{ id: string }>(
      `WITH due AS (
         SELECT d.id FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.state = 'pending' AND d.next_at <= $1 AND w.active = 1
         ORDER BY d.next_at, d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE deliveries SET next_at = $2 FROM due WHERE deliveries.id = due.id RETURNING deliveries.id`,
      [now, leaseUntil, limit],
    );
    if (leased.length === 0) return [];
    const rows = await this.all<DeliveryRow>(
      `${DELIVERY_SELECT} WHERE d.id = ANY($1) ORDER BY d.created_at, d.id`,
      [leased.map((r) => r.id)],
    );
    return rows.map(toDueDelivery);
  }

  async finishDelivery(id: string, o: DeliveryOutcome): Promise<void> {
    await this.pool.query(
      `UPDATE deliveries SET state = $2, attempts = $3, next_at = $4, last_status = $5, last_error = $6, updated_at = $7
       WHERE id = $1`,
      [id, o.state, o.attempts, o.nextAt, o.lastStatus, o.lastError, o.at],
    );
  }

  async listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.all<DeliveryRow>(
      `${DELIVERY_SELECT} WHERE d.webhook_id = $1 ORDER BY d.created_at DESC, d.id COLLATE "C" DESC LIMIT $2`,
      [webhookId, limit],
    );
    return rows.map(toDelivery);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    const r = await this.one<DeliveryRow>(this.pool, `${DELIVERY_SELECT} WHERE d.id = $1`, [id]);
    return r ? toDelivery(r) : null;
  }

  async redeliver(id: string, at: number): Promise<DeliveryRecord | null> {
    const r = await this.pool.query(
      `UPDATE deliveries SET state = 'pending', next_at = $2, updated_at = $2 WHERE id = $1`,
      [id, at],
    );
    return r.rowCount === 1 ? this.getDelivery(id) : null;
  }
  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_keys (id, site_id, name, key_hash, prefix, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [k.id, k.siteId, k.name, k.keyHash, k.prefix, k.createdAt, k.revokedAt],
    );
  }

  async listApiKeys(siteId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.all<ApiKeyRow>(
      'SELECT * FROM api_keys WHERE site_id = $1 ORDER BY created_at, id COLLATE "C"',
      [siteId],
    );
    return rows.map(toApiKey);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const r = await this.one<ApiKeyRow>(this.pool, 'SELECT * FROM api_keys WHERE id = $1', [id]);
    return r ? toApiKey(r) : null;
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const r = await this.one<ApiKeyRow>(this.pool, 'SELECT * FROM api_keys WHERE key_hash = $1', [keyHash]);
    return r ? toApiKey(r) : null;
  }

  async replaceApiKey(id: string, keyHash: string, prefix: string): Promise<ApiKeyRecord | null> {
    const r = await this.one<ApiKeyRow>(
      this.pool,
      'UPDATE api_keys SET key_hash = $2, prefix = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING *',
      [id, keyHash, prefix],
    );
    return r ? toApiKey(r) : null;
  }

  async revokeApiKey(id: string, at: number): Promise<ApiKeyRecord | null> {
    const r = await this.one<ApiKeyRow>(
      this.pool,
      'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *',
      [id, at],
    );
    return r ? toApiKey(r) : null;
  }

  async listCanned(siteId: string, agentId: string | null): Promise<CannedRecord[]> {
    const rows = await this.all<CannedRow>(
      `SELECT * FROM canned_responses WHERE site_id = $1 AND agent_id IN ('', $2)
       ORDER BY shortcut COLLATE "C", agent_id COLLATE "C"`,
      [siteId, agentId ?? ''],
    );
    return rows.map(toCanned);
  }

  async getCanned(id: string): Promise<CannedRecord | null> {
    const r = await this.one<CannedRow>(this.pool, 'SELECT * FROM canned_responses WHERE id = $1', [id]);
    return r ? toCanned(r) : null;
  }

  async createCanned(c: CannedRecord): Promise<boolean> {
    const r = cannedRow(c);
    const res = await this.pool.query(
      `INSERT INTO canned_responses (id, site_id, agent_id, shortcut, text, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (site_id, agent_id, shortcut) DO NOTHING`,
      [r.id, r.site_id, r.agent_id, r.shortcut, r.text, r.created_at, r.updated_at],
    );
    return res.rowCount === 1;
  }

  async updateCanned(id: string, patch: CannedPatch, at: number): Promise<CannedRecord | null | 'duplicate'> {
    try {
      const r = await this.one<CannedRow>(
        this.pool,
        `UPDATE canned_responses SET shortcut = COALESCE($2, shortcut), text = COALESCE($3, text),
         updated_at = $4 WHERE id = $1 RETURNING *`,
        [id, patch.shortcut ?? null, patch.text ?? null, at],
      );
      return r ? toCanned(r) : null;
    } catch (err) {
      if (isUniqueViolation(err)) return 'duplicate';
      throw err;
    }
  }

  async deleteCanned(id: string): Promise<boolean> {
    const res = await this.pool.query('DELETE FROM canned_responses WHERE id = $1', [id]);
    return res.rowCount === 1;
  }

  async listProactive(siteId: string): Promise<ProactiveRecord[]> {
    const rows = await this.all<ProactiveRow>(
      'SELECT * FROM proactive_rules WHERE site_id = $1 ORDER BY created_at, id COLLATE "C"',
      [siteId],
    );
    return rows.map(toProactive);
  }

  async getProactive(id: string): Promise<ProactiveRecord | null> {
    const r = await this.one<ProactiveRow>(this.pool, 'SELECT * FROM proactive_rules WHERE id = $1', [id]);
    return r ? toProactive(r) : null;
  }

  async putProactive(p: ProactiveRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO proactive_rules (id, site_id, rule, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET rule = EXCLUDED.rule`,
      [p.id, p.siteId, JSON.stringify(p.rule), p.createdAt],
    );
  }

  async deleteProactive(id: string): Promise<boolean> {
    const res = await this.pool.query('DELETE FROM proactive_rules WHERE id = $1', [id]);
    return res.rowCount === 1;
  }

  async blockVisitor(b: BlockRecord): Promise<boolean> {
    const res = await this.pool.query(
      `INSERT INTO blocks (visitor_id, site_id, blocked_by, reason, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (visitor_id) DO NOTHING`,
      [b.visitorId, b.siteId, b.by, b.reason, b.createdAt],
    );
    return res.rowCount === 1;
  }

  async unblockVisitor(visitorId: string): Promise<boolean> {
    const res = await this.pool.query('DELETE FROM blocks WHERE visitor_id = $1', [visitorId]);
    return res.rowCount === 1;
  }

  async getBlock(visitorId: string): Promise<BlockRecord | null> {
    const r = await this.one<BlockRow>(this.pool, 'SELECT * FROM blocks WHERE visitor_id = $1', [visitorId]);
    return r ? toBlock(r) : null;
  }

  async listBlocks(siteId: string): Promise<BlockRecord[]> {
    const rows = await this.all<BlockRow>(
      'SELECT * FROM blocks WHERE site_id = $1 ORDER BY created_at DESC, visitor_id COLLATE "C"',
      [siteId],
    );
    return rows.map(toBlock);
  }

  async putVisit(v: VisitRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO visits (visitor_id, site_id, pages, referrer, user_agent, tz_offset, locale, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (visitor_id) DO UPDATE SET site_id = excluded.site_id,
       pages = excluded.pages, referrer = excluded.referrer, user_agent = excluded.user_agent,
       tz_offset = excluded.tz_offset, locale = excluded.locale, updated_at = excluded.updated_at`,
      visitParams(v),
    );
  }

  async getVisit(visitorId: string): Promise<VisitRecord | null> {
    const r = await this.one<VisitRow>(this.pool, 'SELECT * FROM visits WHERE visitor_id = $1', [visitorId]);
    return r ? toVisit(r) : null;
  }

  async deleteVisitor(
    visitorId: string,
    at: number,
    outbox?: OutboxTargets | null,
  ): Promise<DeletedVisitor | null> {
    return this.tx(async (c) => {
      const v = await this.one<VisitorRow>(c, 'SELECT * FROM visitors WHERE id = $1 FOR UPDATE', [visitorId]);
      if (!v) return null;
      const ids = (
        await c.query<{ id: string }>(
          'SELECT id FROM conversations WHERE visitor_id = $1 ORDER BY created_at, id FOR UPDATE',
          [visitorId],
        )
      ).rows.map((r) => r.id);
      const messages = await this.deleteConversationRows(c, ids);
      for (const table of ['visits', 'blocks', 'visitor_search']) {
        await c.query(`DELETE FROM ${table} WHERE visitor_id = $1`, [visitorId]);
      }
      await c.query('DELETE FROM visitors WHERE id = $1', [visitorId]);
      await this.writeOutbox(
        c,
        outboxRows(outbox, 'visitor.deleted', v.site_id, visitorDeletedEventData(toVisitor(v), ids), at),
      );
      return { conversationIds: ids, messages };
    });
  }

  async deleteClosedConversations(siteId: string, closedBefore: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.tx(async (c) => {
      // Locked rows are skipped: a conversation being reopened right now is not deleted under it.
      const ids = (
        await c.query<{ id: string }>(
          `SELECT id FROM conversations WHERE site_id = $1 AND status = 'closed' AND closed_at < $2
           ORDER BY closed_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [siteId, closedBefore, limit],
        )
      ).rows.map((r) => r.id);
      await this.deleteConversationRows(c, ids);
      return ids;
    });
  }

  async createRefreshSession(r: RefreshSessionRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO refresh_sessions (id, account_id, site_id, token_hash, previous_hash, rotated_at, token_version, role, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      refreshSessionParams(r),
    );
  }

  async getRefreshSession(id: string): Promise<RefreshSessionRecord | null> {
    const row = await this.one<RefreshSessionRow>(this.pool, 'SELECT * FROM refresh_sessions WHERE id = $1', [
      id,
    ]);
    return row ? toRefreshSession(row) : null;
  }

  async rotateRefreshSession(
    id: string,
    fromHash: string,
    toHash: string,
    at: number,
    expiresAt: number,
  ): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE refresh_sessions SET previous_hash = token_hash, token_hash = $1, rotated_at = $2, expires_at = $3
       WHERE id = $4 AND token_hash = $5 AND revoked_at IS NULL`,
      [toHash, at, expiresAt, id, fromHash],
    );
    return r.rowCount === 1;
  }

  async revokeRefreshSession(id: string, at: number): Promise<void> {
    await this.pool.query(
      'UPDATE refresh_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
      [at, id],
    );
  }

  async deleteExpiredRefreshSessions(before: number): Promise<number> {
    return (
      (await this.pool.query('DELETE FROM refresh_sessions WHERE expires_at < $1', [before])).rowCount ?? 0
    );
  }

  async createAttachment(a: AttachmentRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO attachments (id, site_id, owner, name, type, size, conversation_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [a.id, a.siteId, a.owner, a.name, a.type, a.size, a.conversationId, a.createdAt],
    );
  }

  async getAttachment(id: string): Promise<AttachmentRecord | null> {
    const r = await this.one<AttachmentRow>(this.pool, 'SELECT * FROM attachments WHERE id = $1', [id]);
    return r ? toAttachment(r) : null;
  }

  async bindAttachment(id: string, owner: string, conversationId: string): Promise<AttachmentRecord | null> {
    const r = await this.one<AttachmentRow>(
      this.pool,
      `UPDATE attachments SET conversation_id = $3
       WHERE id = $1 AND owner = $2 AND (conversation_id IS NULL OR conversation_id = $3) RETURNING *`,
      [id, owner, conversationId],
    );
    return r ? toAttachment(r) : null;
  }

  async deleteUnboundAttachments(before: number, limit: number): Promise<string[]> {
    const rows = await this.all<{ id: string }>(
      `DELETE FROM attachments WHERE id IN (
         SELECT id FROM attachments WHERE conversation_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2)
       RETURNING id`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }

  async existingAttachments(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.all<{ id: string }>('SELECT id FROM attachments WHERE id = ANY($1)', [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async addAudit(e: AuditRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO audit_log (id, site_id, actor_id, actor_name, action, target, details, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      auditParams(e),
    );
  }

  async listAudit(
    siteId: string,
    before: { at: number; id: string } | null,
    limit: number,
  ): Promise<AuditRecord[]> {
    const rows = before
      ? await this.all<AuditRow>(
          `SELECT * FROM audit_log WHERE site_id = $1 AND (at < $2 OR (at = $2 AND id COLLATE "C" < $3))
           ORDER BY at DESC, id COLLATE "C" DESC LIMIT $4`,
          [siteId, before.at, before.id, limit],
        )
      : await this.all<AuditRow>(
          'SELECT * FROM audit_log WHERE site_id = $1 ORDER BY at DESC, id COLLATE "C" DESC LIMIT $2',
          [siteId, limit],
        );
    return rows.map(toAudit);
  }

  /** Deletes conversations and every row about them, inside the caller's transaction; returns the messages deleted. */
  private async deleteConversationRows(c: Queryable, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const run = async (sql: string) => (await c.query(sql, [ids])).rowCount ?? 0;
    await run('DELETE FROM message_search WHERE conversation_id = ANY($1)');
    const messages = await run('DELETE FROM messages WHERE conversation_id = ANY($1)');
    await run('DELETE FROM notes WHERE conversation_id = ANY($1)');
    await run('DELETE FROM ratings WHERE conversation_id = ANY($1)');
    await run('DELETE FROM attachments WHERE conversation_id = ANY($1)');
    await run(
      'DELETE FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE conversation_id = ANY($1))',
    );
    await run('DELETE FROM events WHERE conversation_id = ANY($1)');
    await run('DELETE FROM conversations WHERE id = ANY($1)');
    return messages;
  }
}
