/**
 * Schema migrations, applied in order on start and recorded in `schema_migrations`: one list
 * per store, the same tables and columns (so `rows.ts` maps both), each in its dialect.
 * Never edit a released migration: append a new one to BOTH lists.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE sites (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        departments TEXT NOT NULL,
        color TEXT NOT NULL,
        title TEXT NOT NULL,
        greeting TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        email TEXT NOT NULL COLLATE NOCASE UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX agents_site ON agents(site_id);
      CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        external_id TEXT,
        name TEXT,
        email TEXT,
        verified INTEGER NOT NULL DEFAULT 0,
        attributes TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX visitors_site_external ON visitors(site_id, external_id) WHERE external_id IS NOT NULL;
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        visitor_id TEXT NOT NULL REFERENCES visitors(id),
        department TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued', 'assigned', 'closed')),
        agent_id TEXT REFERENCES agents(id),
        last_seq INTEGER NOT NULL DEFAULT 0,
        last_text TEXT,
        last_author_kind TEXT,
        last_at INTEGER,
        visitor_read_seq INTEGER NOT NULL DEFAULT 0,
        agent_read_seq INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        closed_at INTEGER
      );
      CREATE INDEX conversations_site_status ON conversations(site_id, status);
      CREATE INDEX conversations_visitor ON conversations(visitor_id, created_at);
      CREATE INDEX conversations_agent ON conversations(agent_id, status);
      CREATE TABLE messages (
        id TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        seq INTEGER NOT NULL,
        sender TEXT,
        cid TEXT,
        text TEXT NOT NULL,
        author_kind TEXT NOT NULL,
        author_id TEXT,
        author_name TEXT NOT NULL,
        event TEXT,
        at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      ) WITHOUT ROWID;
      -- Idempotency of client ids is a database guarantee, not a cache.
      CREATE UNIQUE INDEX messages_sender_cid ON messages(sender, cid) WHERE sender IS NOT NULL AND cid IS NOT NULL;
      CREATE TABLE notes (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        sender TEXT NOT NULL,
        cid TEXT,
        text TEXT NOT NULL,
        author_id TEXT,
        author_name TEXT NOT NULL,
        after_seq INTEGER NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX notes_conversation ON notes(conversation_id, at);
      CREATE UNIQUE INDEX notes_sender_cid ON notes(sender, cid) WHERE cid IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'site business hours',
    // JSON of BusinessHours; NULL = always open.
    sql: `ALTER TABLE sites ADD COLUMN business_hours TEXT;`,
  },
  {
    version: 3,
    name: 'accounts, memberships, invitations, secret rotation',
    // agents.site_id and agents.role stay as written on creation (the first site); memberships
    // are what counts. token_version signs every session of an account out when bumped.
    sql: `
      ALTER TABLE sites ADD COLUMN previous_secret TEXT;
      ALTER TABLE sites ADD COLUMN previous_secret_until INTEGER;
      ALTER TABLE agents ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE memberships (
        agent_id TEXT NOT NULL REFERENCES agents(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
        active INTEGER NOT NULL DEFAULT 1,
        departments TEXT NOT NULL DEFAULT '[]',
        max_chats INTEGER,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (agent_id, site_id)
      );
      CREATE INDEX memberships_site ON memberships(site_id);
      INSERT INTO memberships (agent_id, site_id, role, active, departments, max_chats, created_at)
        SELECT id, site_id, role, 1, '[]', NULL, created_at FROM agents;
      CREATE TABLE invitations (
        token_hash TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        agent_id TEXT NOT NULL REFERENCES agents(id),
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'webhooks and the durable outbox',
    // An event and its deliveries are written in the transaction of the change that made the
    // event (a message, a conversation change); the delivery worker sends them from here.
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX webhooks_site ON webhooks(site_id);
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id),
        webhook_id TEXT NOT NULL REFERENCES webhooks(id),
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX deliveries_due ON deliveries(state, next_at);
      CREATE INDEX deliveries_webhook ON deliveries(webhook_id, created_at);
    `,
  },
  {
    version: 5,
    name: 'API keys',
    // Only a SHA-256 of each key is stored; `prefix` (the key's first characters) tells keys apart in lists.
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX api_keys_site ON api_keys(site_id);
    `,
  },
  {
    version: 6,
    name: 'site assignment mode',
    // 'manual': agents claim from the queue; 'auto': the server assigns (routing/assign.ts).
    sql: `ALTER TABLE sites ADD COLUMN assignment TEXT NOT NULL DEFAULT 'manual';`,
  },
  {
    version: 8,
    name: 'full-text search',
    // Derived, rebuildable indexes of normalised text (storage/search.ts: the one matching rule,
    // applied in TypeScript; sb_search_text is that function, registered on the connection for
    // this backfill). Written in the same transaction as the message or visitor they index;
    // system lines are not indexed.
    sql: `
      CREATE VIRTUAL TABLE message_search USING fts5(
        body, conversation_id UNINDEXED, seq UNINDEXED, tokenize = 'unicode61 remove_diacritics 0'
      );
      INSERT INTO message_search (body, conversation_id, seq)
        SELECT sb_search_text(text), conversation_id, seq FROM messages WHERE event IS NULL;
      CREATE VIRTUAL TABLE visitor_search USING fts5(
        body, visitor_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0'
      );
      INSERT INTO visitor_search (body, visitor_id)
        SELECT sb_search_text(COALESCE(name, '') || ' ' || COALESCE(email, '')), id FROM visitors
        WHERE name IS NOT NULL OR email IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'ratings',
    // One rating per closed period of a conversation (UNIQUE on the close it rates); the
    // transcript line is a message (sender, cid), so a resend is caught there too.
    sql: `
      CREATE TABLE ratings (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        agent_id TEXT,
        score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
        comment TEXT,
        cid TEXT NOT NULL,
        closed_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (conversation_id, closed_at)
      );
      CREATE INDEX ratings_site_created ON ratings(site_id, created_at);
    `,
  },
  {
    version: 10,
    name: 'canned responses',
    // agent_id '' = site-wide (admins manage it), else one agent's own; one shortcut per owner.
    sql: `
      CREATE TABLE canned_responses (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        agent_id TEXT NOT NULL DEFAULT '',
        shortcut TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (site_id, agent_id, shortcut)
      );
    `,
  },
  {
    version: 11,
    name: 'blocked visitors',
    // One row per blocked visitor; deleting it unblocks.
    sql: `
      CREATE TABLE blocks (
        visitor_id TEXT PRIMARY KEY REFERENCES visitors(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        blocked_by TEXT NOT NULL,
        reason TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX blocks_site ON blocks(site_id, created_at);
    `,
  },
  {
    version: 12,
    name: 'assignment per department',
    // JSON {department: 'manual' | 'auto'}; a department not in it follows sites.assignment.
    sql: `ALTER TABLE sites ADD COLUMN department_assignment TEXT NOT NULL DEFAULT '{}';`,
  },
  {
    version: 13,
    name: 'visits',
    // The visitor's current visit (pages as JSON, oldest first), replaced at each hello.
    sql: `
      CREATE TABLE visits (
        visitor_id TEXT PRIMARY KEY REFERENCES visitors(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        pages TEXT NOT NULL,
        referrer TEXT,
        user_agent TEXT,
        tz_offset INTEGER,
        locale TEXT,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 14,
    name: 'queue order',
    // When the conversation last entered a queue, and whether it was placed at its front
    // (a transfer to a department, or put back when its agent went away).
    sql: `
      ALTER TABLE conversations ADD COLUMN queued_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversations ADD COLUMN queue_front INTEGER NOT NULL DEFAULT 0;
      UPDATE conversations SET queued_at = created_at;
    `,
  },
  {
    version: 15,
    name: 'mail of left messages',
    // 1: the agent is mailed a digest of messages left while nobody of the site was online.
    sql: `ALTER TABLE agents ADD COLUMN mail_left_messages INTEGER NOT NULL DEFAULT 1;`,
  },
  {
    version: 16,
    name: 'privacy: retention, events by conversation',
    // sites.retention_days: closed conversations are deleted that many days after closing (NULL:
    // kept). events.conversation_id: the conversation an event is about, so deleting a visitor
    // or a conversation deletes the webhook events (and deliveries) that carry its text.
    sql: `
      ALTER TABLE sites ADD COLUMN retention_days INTEGER;
      ALTER TABLE events ADD COLUMN conversation_id TEXT;
      UPDATE events SET conversation_id = json_extract(data, '$.conversation.id');
      CREATE INDEX events_conversation ON events(conversation_id);
      CREATE INDEX deliveries_event ON deliveries(event_id);
      CREATE INDEX conversations_site_closed ON conversations(site_id, closed_at) WHERE status = 'closed';
    `,
  },
  {
    version: 17,
    name: 'audit log',
    // Administration actions (who changed what, when), newest first per site; details as JSON.
    sql: `
      CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        details TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX audit_log_site_at ON audit_log(site_id, at, id);
    `,
  },
  {
    version: 18,
    name: 'refresh sessions',
    // One row per signed-in console session: the hash of its current refresh token (rotated at
    // every refresh), the one before it (a concurrent refresh from another tab is told to retry),
    // and what the account was when it signed in (a password or role change ends the session).
    sql: `
      CREATE TABLE refresh_sessions (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        site_id TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        previous_hash TEXT,
        rotated_at INTEGER,
        token_version INTEGER NOT NULL,
        role TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX refresh_sessions_expires ON refresh_sessions(expires_at);
    `,
  },
  {
    version: 19,
    name: 'attachments',
    // An upload is a row here (its bytes in the blob store) owned by its uploader
    // (`v:<visitorId>` / `a:<agentId>`, as messages' `sender`), bound to a conversation when a
    // message first carries it; the message keeps a copy of the file's name, type and size.
    sql: `
      CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        size INTEGER NOT NULL,
        conversation_id TEXT REFERENCES conversations(id),
        created_at INTEGER NOT NULL
      );
      CREATE INDEX attachments_conversation ON attachments(conversation_id);
      CREATE INDEX attachments_unbound ON attachments(created_at) WHERE conversation_id IS NULL;
      ALTER TABLE messages ADD COLUMN attachment TEXT;
    `,
  },
  {
    version: 20,
    name: 'proactive messages',
    // A site's proactive messages; the rule (trigger, text, department, enabled) as one JSON value.
    sql: `
      CREATE TABLE proactive_rules (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        rule TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX proactive_rules_site ON proactive_rules(site_id, created_at);
    `,
  },
  {
    version: 21,
    name: 'search progress',
    // The message search index is written after the messages' commits (sqlite-search.ts): per
    // conversation, the highest seq indexed, so an open after a crash indexes what was missed.
    // Everything stored before this version was indexed in its own transaction.
    sql: `
      CREATE TABLE message_search_progress (
        conversation_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO message_search_progress (conversation_id, seq)
        SELECT id, last_seq FROM conversations WHERE last_seq > 0;
    `,
  },
];

/**
 * PostgreSQL: the SQLite schema with PostgreSQL types. Timestamps are BIGINT epoch ms (the pool
 * parses int8 to a number), JSON stays TEXT (both stores map the same strings), emails are
 * unique case-insensitively through an index on lower(email), and notes keep their insertion
 * order in `ord` (SQLite uses its rowid).
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE sites (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        departments TEXT NOT NULL,
        color TEXT NOT NULL,
        title TEXT NOT NULL,
        greeting TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        email TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX agents_email ON agents(lower(email));
      CREATE INDEX agents_site ON agents(site_id);
      CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        external_id TEXT,
        name TEXT,
        email TEXT,
        verified INTEGER NOT NULL DEFAULT 0,
        attributes TEXT NOT NULL DEFAULT '{}',
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX visitors_site_external ON visitors(site_id, external_id) WHERE external_id IS NOT NULL;
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        visitor_id TEXT NOT NULL REFERENCES visitors(id),
        department TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued', 'assigned', 'closed')),
        agent_id TEXT REFERENCES agents(id),
        last_seq INTEGER NOT NULL DEFAULT 0,
        last_text TEXT,
        last_author_kind TEXT,
        last_at BIGINT,
        visitor_read_seq INTEGER NOT NULL DEFAULT 0,
        agent_read_seq INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        closed_at BIGINT
      );
      CREATE INDEX conversations_site_status ON conversations(site_id, status);
      CREATE INDEX conversations_visitor ON conversations(visitor_id, created_at);
      CREATE INDEX conversations_agent ON conversations(agent_id, status);
      CREATE TABLE messages (
        id TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        seq INTEGER NOT NULL,
        sender TEXT,
        cid TEXT,
        text TEXT NOT NULL,
        author_kind TEXT NOT NULL,
        author_id TEXT,
        author_name TEXT NOT NULL,
        event TEXT,
        at BIGINT NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      );
      CREATE UNIQUE INDEX messages_sender_cid ON messages(sender, cid) WHERE sender IS NOT NULL AND cid IS NOT NULL;
      CREATE TABLE notes (
        ord BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        sender TEXT NOT NULL,
        cid TEXT,
        text TEXT NOT NULL,
        author_id TEXT,
        author_name TEXT NOT NULL,
        after_seq INTEGER NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX notes_conversation ON notes(conversation_id, at);
      CREATE UNIQUE INDEX notes_sender_cid ON notes(sender, cid) WHERE cid IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'site business hours',
    sql: `ALTER TABLE sites ADD COLUMN business_hours TEXT;`,
  },
  {
    version: 3,
    name: 'accounts, memberships, invitations, secret rotation',
    sql: `
      ALTER TABLE sites ADD COLUMN previous_secret TEXT;
      ALTER TABLE sites ADD COLUMN previous_secret_until BIGINT;
      ALTER TABLE agents ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE memberships (
        agent_id TEXT NOT NULL REFERENCES agents(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
        active INTEGER NOT NULL DEFAULT 1,
        departments TEXT NOT NULL DEFAULT '[]',
        max_chats INTEGER,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (agent_id, site_id)
      );
      CREATE INDEX memberships_site ON memberships(site_id);
      INSERT INTO memberships (agent_id, site_id, role, active, departments, max_chats, created_at)
        SELECT id, site_id, role, 1, '[]', NULL, created_at FROM agents;
      CREATE TABLE invitations (
        token_hash TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        agent_id TEXT NOT NULL REFERENCES agents(id),
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        created_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'webhooks and the durable outbox',
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX webhooks_site ON webhooks(site_id);
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id),
        webhook_id TEXT NOT NULL REFERENCES webhooks(id),
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX deliveries_due ON deliveries(state, next_at);
      CREATE INDEX deliveries_webhook ON deliveries(webhook_id, created_at);
    `,
  },
  {
    version: 5,
    name: 'API keys',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE INDEX api_keys_site ON api_keys(site_id);
    `,
  },
  {
    version: 6,
    name: 'site assignment mode',
    sql: `ALTER TABLE sites ADD COLUMN assignment TEXT NOT NULL DEFAULT 'manual';`,
  },
  {
    version: 8,
    name: 'full-text search',
    // tsvectors (`simple` config) of the text normalised in TypeScript, GIN-indexed; the rows
    // that existed before are indexed by `fillSearchIndex` right after (postgres.ts).
    sql: `
      CREATE TABLE message_search (
        conversation_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        body TSVECTOR NOT NULL,
        PRIMARY KEY (conversation_id, seq),
        FOREIGN KEY (conversation_id, seq) REFERENCES messages(conversation_id, seq)
      );
      CREATE INDEX message_search_body ON message_search USING GIN (body);
      CREATE TABLE visitor_search (
        visitor_id TEXT PRIMARY KEY REFERENCES visitors(id),
        body TSVECTOR NOT NULL
      );
      CREATE INDEX visitor_search_body ON visitor_search USING GIN (body);
    `,
  },
  {
    version: 9,
    name: 'ratings',
    // One rating per closed period of a conversation (UNIQUE on the close it rates); the
    // transcript line is a message (sender, cid), so a resend is caught there too.
    sql: `
      CREATE TABLE ratings (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        agent_id TEXT,
        score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
        comment TEXT,
        cid TEXT NOT NULL,
        closed_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (conversation_id, closed_at)
      );
      CREATE INDEX ratings_site_created ON ratings(site_id, created_at);
    `,
  },
  {
    version: 10,
    name: 'canned responses',
    // agent_id '' = site-wide (admins manage it), else one agent's own; one shortcut per owner.
    sql: `
      CREATE TABLE canned_responses (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        agent_id TEXT NOT NULL DEFAULT '',
        shortcut TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (site_id, agent_id, shortcut)
      );
    `,
  },
  {
    version: 11,
    name: 'blocked visitors',
    // One row per blocked visitor; deleting it unblocks.
    sql: `
      CREATE TABLE blocks (
        visitor_id TEXT PRIMARY KEY REFERENCES visitors(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        blocked_by TEXT NOT NULL,
        reason TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX blocks_site ON blocks(site_id, created_at);
    `,
  },
  {
    version: 12,
    name: 'assignment per department',
    // JSON {department: 'manual' | 'auto'}; a department not in it follows sites.assignment.
    sql: `ALTER TABLE sites ADD COLUMN department_assignment TEXT NOT NULL DEFAULT '{}';`,
  },
  {
    version: 13,
    name: 'visits',
    // The visitor's current visit (pages as JSON, oldest first), replaced at each hello.
    sql: `
      CREATE TABLE visits (
        visitor_id TEXT PRIMARY KEY REFERENCES visitors(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        pages TEXT NOT NULL,
        referrer TEXT,
        user_agent TEXT,
        tz_offset INTEGER,
        locale TEXT,
        updated_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 14,
    name: 'queue order',
    sql: `
      ALTER TABLE conversations ADD COLUMN queued_at BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE conversations ADD COLUMN queue_front INTEGER NOT NULL DEFAULT 0;
      UPDATE conversations SET queued_at = created_at;
    `,
  },
  {
    version: 15,
    name: 'mail of left messages',
    sql: `ALTER TABLE agents ADD COLUMN mail_left_messages INTEGER NOT NULL DEFAULT 1;`,
  },
  {
    version: 16,
    name: 'privacy: retention, events by conversation',
    sql: `
      ALTER TABLE sites ADD COLUMN retention_days INTEGER;
      ALTER TABLE events ADD COLUMN conversation_id TEXT;
      UPDATE events SET conversation_id = (data::jsonb) -> 'conversation' ->> 'id';
      CREATE INDEX events_conversation ON events(conversation_id);
      CREATE INDEX deliveries_event ON deliveries(event_id);
      CREATE INDEX conversations_site_closed ON conversations(site_id, closed_at) WHERE status = 'closed';
    `,
  },
  {
    version: 17,
    name: 'audit log',
    sql: `
      CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        details TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX audit_log_site_at ON audit_log(site_id, at, id);
    `,
  },
  {
    version: 18,
    name: 'refresh sessions',
    sql: `
      CREATE TABLE refresh_sessions (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        site_id TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        previous_hash TEXT,
        rotated_at BIGINT,
        token_version INTEGER NOT NULL,
        role TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE INDEX refresh_sessions_expires ON refresh_sessions(expires_at);
    `,
  },
  {
    version: 19,
    name: 'attachments',
    // With PostgreSQL the bytes live in the database too (every node serves every file).
    sql: `
      CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        size INTEGER NOT NULL,
        conversation_id TEXT REFERENCES conversations(id),
        created_at BIGINT NOT NULL
      );
      CREATE INDEX attachments_conversation ON attachments(conversation_id);
      CREATE INDEX attachments_unbound ON attachments(created_at) WHERE conversation_id IS NULL;
      ALTER TABLE messages ADD COLUMN attachment TEXT;
      CREATE TABLE attachment_blobs (
        id TEXT PRIMARY KEY,
        data BYTEA NOT NULL
      );
    `,
  },
  {
    version: 20,
    name: 'proactive messages',
    // A site's proactive messages; the rule (trigger, text, department, enabled) as one JSON value.
    sql: `
      CREATE TABLE proactive_rules (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        rule TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX proactive_rules_site ON proactive_rules(site_id, created_at);
    `,
  },
];
