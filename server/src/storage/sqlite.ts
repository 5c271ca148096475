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
import { Checkpointer } from './checkpointer.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import {
  type AgentRow,
  type ConversationRow,
  type MessageRow,
  type NoteRow,
  previewOf,
  type SiteRow,
  toAgent,
  toConversation,
  toMessage,
  toNote,
  toSite,
  toVisitor,
  type VisitorRow,
} from './rows.js';
import type {
  AgentRecord,
  AppendResult,
  ConversationRecord,
  NewConversation,
  NewMessage,
  NewNote,
  ReadSide,
  SitePatch,
  SiteRecord,
  Storage,
  SystemLine,
  TransitionInput,
  TransitionResult,
  VisitorPatch,
  VisitorRecord,
} from './types.js';

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
      `INSERT INTO sites (id, name, secret, allowed_origins, departments, color, title, greeting, business_hours, created_at)
       VALUES (@id, @name, @secret, @allowed_origins, @departments, @color, @title, @greeting, @business_hours, @created_at)`,
    ),
    getSite: db.prepare('SELECT * FROM sites WHERE id = ?'),
    updateSite: db.prepare(
      `UPDATE sites SET departments = @departments, color = @color, title = @title, greeting = @greeting,
         business_hours = @business_hours WHERE id = @id RETURNING *`,
    ),
    insertAgent: db.prepare(
      `INSERT INTO agents (id, site_id, email, name, role, password_hash, created_at)
       VALUES (@id, @site_id, @email, @name, @role, @password_hash, @created_at)`,
    ),
    getAgent: db.prepare('SELECT * FROM agents WHERE id = ?'),
    getAgentByEmail: db.prepare('SELECT * FROM agents WHERE email = ?'),
    listAgents: db.prepare('SELECT * FROM agents WHERE site_id = ? ORDER BY name'),
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
      `INSERT INTO conversations (id, site_id, visitor_id, department, status, created_at, updated_at, closed_at)
       VALUES (@id, @site_id, @visitor_id, @department, @status, @at, @at, @closed_at) RETURNING *`,
    ),
    getConversation: db.prepare('SELECT * FROM conversations WHERE id = ?'),
    listOpen: db.prepare(
      `SELECT * FROM conversations WHERE site_id = ? AND status IN ('queued', 'assigned') ORDER BY updated_at DESC`,
    ),
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
      `INSERT INTO messages (id, conversation_id, seq, sender, cid, text, author_kind, author_id, author_name, event, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
         closed_at = @closed_at, updated_at = @at
       WHERE id = @id AND status = @expect_status AND agent_id IS @expect_agent RETURNING *`,
    ),
    insertNote: db.prepare(
      `INSERT INTO notes (id, conversation_id, sender, cid, text, author_id, author_name, after_seq, at)
       VALUES (@id, @conversation_id, @sender, @cid, @text, @author_id, @author_name, @after_seq, @at)`,
    ),
    findNoteByCid: db.prepare('SELECT * FROM notes WHERE sender = ? AND cid = ?'),
    listNotes: db.prepare('SELECT * FROM notes WHERE conversation_id = ? ORDER BY at, rowid'),
    lastSeq: db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck(),
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
    this.migrate();
    if (path !== ':memory:' && opts.checkpointInWorker !== false) {
      db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(path, () => db.pragma('wal_autocheckpoint = 1000'), {
        onFallback: (reason) =>
          process.emitWarning(`${reason}; SQLite checkpoints run on the main thread again`),
      });
    }

    this.s = prepareStatements(db);

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
        expect_status: input.expect.status,
        expect_agent: input.expect.agentId,
      }) as ConversationRow | undefined;
      if (!row) return null;
      return this.afterTransition(row, input.line, input.note, input.at);
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
    return { ok: true, message, duplicate: false, conversation: next };
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
    const note = noteInput ? this.insertNoteRow(noteInput, conv.lastSeq) : null;
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
    if (this.db.open) this.flushGrouped();
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

  async createSite(site: SiteRecord): Promise<void> {
    this.s.insertSite.run({
      id: site.id,
      name: site.name,
      secret: site.secret,
      allowed_origins: JSON.stringify(site.allowedOrigins),
      departments: JSON.stringify(site.departments),
      color: site.color,
      title: site.title,
      greeting: site.greeting,
      business_hours: site.businessHours ? JSON.stringify(site.businessHours) : null,
      created_at: site.createdAt,
    });
    this.wrote();
  }

  async updateSite(id: string, patch: SitePatch): Promise<SiteRecord | null> {
    this.wrote();
    return this.db.transaction(() => {
      const cur = this.s.getSite.get(id) as SiteRow | undefined;
      if (!cur) return null;
      const hours =
        patch.businessHours === undefined
          ? cur.business_hours
          : patch.businessHours === null
            ? null
            : JSON.stringify(patch.businessHours);
      const row = this.s.updateSite.get({
        id,
        departments: patch.departments ? JSON.stringify(patch.departments) : cur.departments,
        color: patch.color ?? cur.color,
        title: patch.title ?? cur.title,
        greeting: patch.greeting ?? cur.greeting,
        business_hours: hours,
      }) as SiteRow;
      return toSite(row);
    })();
  }

  async getSite(id: string): Promise<SiteRecord | null> {
    const r = this.s.getSite.get(id) as SiteRow | undefined;
    return r ? toSite(r) : null;
  }

  async createAgent(a: AgentRecord): Promise<void> {
    this.s.insertAgent.run({
      id: a.id,
      site_id: a.siteId,
      email: a.email,
      name: a.name,
      role: a.role,
      password_hash: a.passwordHash,
      created_at: a.createdAt,
    });
    this.wrote();
  }

  async getAgent(id: string): Promise<AgentRecord | null> {
    const r = this.s.getAgent.get(id) as AgentRow | undefined;
    return r ? toAgent(r) : null;
  }

  async getAgentByEmail(email: string): Promise<AgentRecord | null> {
    const r = this.s.getAgentByEmail.get(email.trim()) as AgentRow | undefined;
    return r ? toAgent(r) : null;
  }

  async listAgents(siteId: string): Promise<AgentRecord[]> {
    return (this.s.listAgents.all(siteId) as AgentRow[]).map(toAgent);
  }

  async updateAgentPasswordHash(id: string, from: string, to: string): Promise<boolean> {
    const changed = this.s.updateAgentPasswordHash.run({ id, from, to }).changes === 1;
    if (changed) this.wrote();
    return changed;
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
    await this.grouped(() => this.s.insertVisitor.run(row));
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
    const r = this.s.updateVisitor.get({
      id,
      external_id: v.externalId,
      name: v.name,
      email: v.email,
      verified: v.verified ? 1 : 0,
      attributes: JSON.stringify(v.attributes),
      last_seen_at: v.lastSeenAt,
    }) as VisitorRow | undefined;
    this.wrote();
    if (!r) {
      this.visitorCache.delete(id);
      return null;
    }
    return this.cacheVisitor(toVisitor(r));
  }

  async createConversation(input: NewConversation): Promise<ConversationRecord> {
    const params = {
      id: newId('c'),
      site_id: input.siteId,
      visitor_id: input.visitorId,
      department: input.department,
      status: input.status,
      at: input.at,
      closed_at: input.status === 'closed' ? input.at : null,
    };
    const r = await this.grouped(() => this.s.insertConversation.get(params) as ConversationRow);
    const prev = this.newestByVisitor.get(input.visitorId);
    // Two conversations created in the same millisecond are ordered by id in the query: let it decide.
    if (prev && prev.at === r.created_at) this.newestByVisitor.delete(input.visitorId);
    else this.noteNewest(input.visitorId, { id: r.id, at: r.created_at });
    return this.cacheConversation(toConversation(r));
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

  async listOpenConversations(siteId: string): Promise<ConversationRecord[]> {
    return (this.s.listOpen.all(siteId) as ConversationRow[]).map(toConversation);
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
      if (r.ok && !r.duplicate) this.cacheConversation(r.conversation);
      else if (!r.ok) this.convCache.delete((batch[i] as NewMessage).conversationId);
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
  ): Promise<TransitionResult | null> {
    const tx = this.db.transaction(() => {
      const row = this.s.claim.get(agentId, at, id) as ConversationRow | undefined;
      if (!row) return null;
      return this.afterTransition(row, line, null, at);
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
}

/**
 * The database holds customers' messages: its directory is created 0700 and the file 0600
 * before SQLite opens it (SQLite gives the -wal and -shm files the database file's mode).
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
