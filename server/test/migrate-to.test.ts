/**
 * `switchboard migrate-to`: a SQLite install made by the real app over real sockets is copied
 * into PostgreSQL, and the app started on PostgreSQL carries on with the same sign-ins,
 * tokens, transcripts, seqs, cids, cursors and notes. The refusals are checked through the
 * real CLI process (server/bin/switchboard.js, the file `npx switchboard` runs).
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '@switchboard/protocol';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { UsageError } from '../src/cli/command.js';
import { migrateTo } from '../src/cli/migrate-to.js';
import { runCli } from '../src/cli/run.js';
import { PostgresStorage } from '../src/storage/postgres.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { buildServer, runBin } from './cli-helpers.js';
import { PNG } from './fixture-files.js';
import { Client, ClientPool, listen, login, TEST_SCRYPT_N, tempDir, visitorSession } from './helpers.js';
import { type PgTestDatabase, pgSkipped, pgTestDatabase } from './pg-helpers.js';

const pool = new ClientPool();
const apps: FastifyInstance[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
const databases: PgTestDatabase[] = [];

beforeAll(buildServer, 120_000);

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const d of dirs.splice(0)) d.remove();
  for (const db of databases.splice(0)) await db.drop();
});

function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.dir;
}

async function database(): Promise<PgTestDatabase> {
  const db = await pgTestDatabase();
  databases.push(db);
  return db;
}

/** The app on SQLite in `dataDir` (seeded), or on PostgreSQL with the JWT secret given. */
async function start(
  dataDir: string,
  pgStore?: { databaseUrl: string; jwtSecret: string },
): Promise<{ app: FastifyInstance; host: string }> {
  const app = await buildApp({
    config: {
      scryptN: TEST_SCRYPT_N,
      dataDir,
      logLevel: 'silent',
      seed: true,
      seedHistory: false,
      ...pgStore,
    },
    logger: false,
  });
  apps.push(app);
  return { app, host: await listen(app) };
}

async function stop(app: FastifyInstance): Promise<void> {
  await pool.closeAll();
  apps.splice(apps.indexOf(app), 1);
  await app.close();
}

type Row = Record<string, unknown>;

/** The search indexes: each store's own derived format, rebuilt by migrate-to, compared by searching. */
const SEARCH_TABLE = /^(message|visitor)_search(_\w+)?$/;

/** Every row of every data table, sorted by its key in code (the engines' text orders differ). */
const KEYS: Record<string, string[]> = {
  messages: ['conversation_id', 'seq'],
  settings: ['key'],
  memberships: ['agent_id', 'site_id'],
  invitations: ['token_hash'],
};
const sortKey = (table: string, r: Row): string => JSON.stringify((KEYS[table] ?? ['id']).map((k) => r[k]));
const sorted = (table: string, rows: Row[]): Row[] =>
  rows.sort((a, b) => (sortKey(table, a) < sortKey(table, b) ? -1 : 1));

function sqliteTables(path: string): Record<string, Row[]> {
  const db = new Database(path, { readonly: true });
  try {
    const names = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .pluck()
      .all() as string[];
    const out: Record<string, Row[]> = {};
    for (const t of names.filter((n) => n !== 'schema_migrations' && !SEARCH_TABLE.test(n))) {
      // Notes keep their insertion order: SQLite's rowid is PostgreSQL's `ord`.
      const select = t === 'notes' ? 'SELECT rowid AS ord, *' : 'SELECT *';
      out[t] = sorted(t, db.prepare(`${select} FROM ${t}`).all() as Row[]);
    }
    return out;
  } finally {
    db.close();
  }
}

async function pgQuery<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
  const c = new pg.Client({ connectionString: url, types });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

async function pgTables(url: string): Promise<Record<string, Row[]>> {
  const names = await pgQuery<{ table_name: string }>(
    url,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'`,
  );
  const out: Record<string, Row[]> = {};
  for (const { table_name: t } of names) {
    // Attachment bytes are files with SQLite, rows with PostgreSQL: compared on their own.
    if (!SEARCH_TABLE.test(t) && t !== 'attachment_blobs') {
      out[t] = sorted(t, await pgQuery<Row>(url, `SELECT * FROM ${t}`));
    }
  }
  return out;
}

async function count(url: string, table: string): Promise<number> {
  const [r] = await pgQuery<{ n: number }>(url, `SELECT COUNT(*) AS n FROM ${table}`);
  return r?.n ?? -1;
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

interface Install {
  dataDir: string;
  dbPath: string;
  anaToken: string;
  visitors: { token: string; visitorId: string }[];
  /** A: Ana's, with notes and read cursors; B: Ben's, closed; C: queued. */
  conv: { a: string; b: string; c: string };
}

/** A SQLite install with three conversations, made by the real app over real WebSockets. */
async function sqliteInstall(): Promise<Install> {
  const dataDir = dir();
  const { app, host } = await start(dataDir);
  const anaToken = await login(app, 'ana@demo.test');
  const ana = pool.add(await Client.ready(host, '/ws/agent', anaToken));
  const ben = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));

  const s1 = await visitorSession(app);
  const v1 = pool.add(await Client.ready(host, '/ws/visitor', s1.token));
  v1.send({ type: 'send', cid: 'v1-a', text: 'Hello, my order is late' });
  const a = (await v1.type('ack', (f) => f.cid === 'v1-a')).conversationId as string;
  v1.send({ type: 'send', cid: 'v1-b', text: 'Order 1234 ✈️' });
  await v1.type('ack', (f) => f.cid === 'v1-b');
  ana.send({ type: 'claim', cid: 'claim-a', conversationId: a });
  await ana.type('ack', (f) => f.cid === 'claim-a');
  ana.send({ type: 'send', cid: 'ana-1', conversationId: a, text: 'Let me check.' });
  const reply = await ana.type('ack', (f) => f.cid === 'ana-1');
  ana.send({ type: 'note', cid: 'n-1', conversationId: a, text: 'asked twice already' });
  await ana.type('ack', (f) => f.cid === 'n-1');
  ana.send({ type: 'note', cid: 'n-2', conversationId: a, text: 'VIP customer' });
  await ana.type('ack', (f) => f.cid === 'n-2');
  v1.send({ type: 'read', conversationId: a, seq: reply.seq });
  await ana.type('read', (f) => f.by === 'visitor' && f.seq === reply.seq);
  ana.send({ type: 'read', conversationId: a, seq: 2 });
  await v1.type('read', (f) => f.by === 'agent' && f.seq === 2);

  const s2 = await visitorSession(app);
  const v2 = pool.add(await Client.ready(host, '/ws/visitor', s2.token));
  v2.send({ type: 'send', cid: 'v2-a', text: 'Do you ship to Spain?' });
  const b = (await v2.type('ack', (f) => f.cid === 'v2-a')).conversationId as string;
  ben.send({ type: 'claim', cid: 'claim-b', conversationId: b });
  await ben.type('ack', (f) => f.cid === 'claim-b');
  ben.send({ type: 'send', cid: 'ben-1', conversationId: b, text: 'Yes, in 3 days.' });
  await ben.type('ack', (f) => f.cid === 'ben-1');
  ben.send({ type: 'close', cid: 'close-b', conversationId: b });
  await ben.type('ack', (f) => f.cid === 'close-b');
  await v2.type('conversation', (f) => f.conversation.status === 'closed');

  const s3 = await visitorSession(app);
  const v3 = pool.add(await Client.ready(host, '/ws/visitor', s3.token));
  v3.send({ type: 'send', cid: 'v3-a', text: 'anyone there?' });
  const c = (await v3.type('ack', (f) => f.cid === 'v3-a')).conversationId as string;
  // A file, whose bytes live under DATA_DIR/attachments with SQLite.
  const up = await app.inject({
    method: 'POST',
    url: '/api/sites/demo/attachments?name=photo.png',
    headers: { authorization: `Bearer ${s3.token}`, 'content-type': 'application/octet-stream' },
    payload: PNG,
  });
  v3.send({ type: 'send', cid: 'v3-file', text: '', attachment: (up.json() as { id: string }).id });
  await v3.type('ack', (f) => f.cid === 'v3-file');

  await stop(app);
  return {
    dataDir,
    dbPath: join(dataDir, 'switchboard.db'),
    anaToken,
    visitors: [s1, s2, s3],
    conv: { a, b, c },
  };
}

async function transcript(dbPath: string, conversationId: string): Promise<Message[]> {
  const db = new SqliteStorage(dbPath, { checkpointInWorker: false });
  try {
    return await db.messagesSince(conversationId, 0);
  } finally {
    await db.close();
  }
}

describe.skipIf(pgSkipped)('migrate-to', () => {
  it('copies a SQLite install into PostgreSQL, where the same accounts, tokens and conversations carry on', async () => {
    const src = await sqliteInstall();
    const before = sqliteTables(src.dbPath);
    const transcriptA = await transcript(src.dbPath, src.conv.a);
    expect(transcriptA.map((m) => [m.seq, m.cid ?? null, m.text])).toEqual([
      [1, 'v1-a', 'Hello, my order is late'],
      [2, 'v1-b', 'Order 1234 ✈️'],
      [3, null, 'Ana Silva joined the conversation'],
      [4, 'ana-1', 'Let me check.'],
    ]);
    const fileHash = sha256(src.dbPath);
    const target = await database();

    // The source is the server's own default: $DATA_DIR/switchboard.db. Small batches, so
    // every table takes several INSERTs.
    const result = await migrateTo({ target: target.url, env: { DATA_DIR: src.dataDir }, batchSize: 2 });

    expect(result.from).toBe(`sqlite:${src.dbPath}`);
    expect(result.jwtSecretFile).toBe(join(src.dataDir, 'jwt-secret'));
    expect(result.tables).toEqual(
      Object.fromEntries(Object.entries(before).map(([t, rows]) => [t, rows.length])),
    );
    expect(result.tables).toMatchObject({ sites: 1, agents: 3, visitors: 3, conversations: 3, notes: 2 });
    // Every row of every table, column by column (ids, seqs, cids, cursors, note order…).
    expect(await pgTables(target.url)).toEqual(before);
    // …and the file's bytes, now in PostgreSQL.
    expect(result.files).toBe(1);
    const [blob] = await pgQuery<{ data: Buffer }>(target.url, 'SELECT data FROM attachment_blobs');
    expect(blob?.data.equals(PNG)).toBe(true);
    expect(sha256(src.dbPath)).toBe(fileHash);

    // The app on PostgreSQL, with the SQLite install's JWT secret as the docs say.
    const jwtSecret = readFileSync(join(src.dataDir, 'jwt-secret'), 'utf8').trim();
    const { app, host } = await start(dir(), { databaseUrl: target.url, jwtSecret });
    expect(app.seeded).toBeNull();
    // The PostgreSQL search index holds every copied message (not the system lines).
    expect(await count(target.url, 'message_search')).toBe(7);
    const found = async (q: string) =>
      (await app.storage.searchConversations(['demo'], q, null, 10)).map((h) => [
        h.conversation.id,
        h.message?.text ?? null,
      ]);
    expect(await found('SPAIN')).toEqual([[src.conv.b, 'Do you ship to Spain?']]);
    expect(await found('ord 12')).toEqual([[src.conv.a, 'Order 1234 ✈️']]);
    expect(await found('joined')).toEqual([]);
    // The same accounts sign in with their passwords…
    for (const email of ['ana@demo.test', 'ben@demo.test', 'admin@demo.test']) await login(app, email);
    // …and tokens issued by the SQLite server still work.
    const ana = pool.add(await Client.connect(host, '/ws/agent', src.anaToken));
    ana.send({ type: 'hello', v: 1, cursors: { [src.conv.a]: 0 } });
    const agentWelcome = await ana.type('welcome');
    expect(agentWelcome.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [src.conv.a, src.conv.c].sort(),
    );
    const agentHistory = await ana.type('history', (f) => f.conversationId === src.conv.a);
    expect(agentHistory.notes.map((n: { text: string }) => n.text)).toEqual([
      'asked twice already',
      'VIP customer',
    ]);
    await ana.type('synced');

    // The visitor's history replays identically.
    const [s1, s2, s3] = src.visitors;
    const v1 = pool.add(await Client.connect(host, '/ws/visitor', s1?.token ?? ''));
    v1.send({ type: 'hello', v: 1, cursors: { [src.conv.a]: 0 } });
    const welcome = await v1.type('welcome');
    expect(welcome.visitorId).toBe(s1?.visitorId);
    expect(welcome.conversations[0]).toMatchObject({
      id: src.conv.a,
      status: 'assigned',
      agent: { name: 'Ana Silva' },
      lastSeq: 4,
      visitorReadSeq: 4,
      agentReadSeq: 2,
    });
    expect((await v1.type('history')).messages).toEqual(transcriptA);
    await v1.type('synced');

    // An old cid is recognised, not stored again; a new message takes the next seq.
    v1.send({ type: 'send', cid: 'v1-a', text: 'Hello, my order is late' });
    expect(await v1.type('ack', (f) => f.cid === 'v1-a')).toMatchObject({
      conversationId: src.conv.a,
      seq: 1,
    });
    v1.send({ type: 'send', cid: 'v1-c', text: 'Any news?' });
    expect(await v1.type('ack', (f) => f.cid === 'v1-c')).toMatchObject({
      conversationId: src.conv.a,
      seq: 5,
    });
    await ana.type('message', (f) => f.message.cid === 'v1-c' && f.message.seq === 5);

    // The agent replies and adds a note: both land after the copied ones.
    ana.send({ type: 'send', cid: 'ana-2', conversationId: src.conv.a, text: 'It ships today.' });
    expect(await ana.type('ack', (f) => f.cid === 'ana-2')).toMatchObject({ seq: 6 });
    expect((await v1.type('message', (f) => f.message.seq === 6)).message.text).toBe('It ships today.');
    ana.send({ type: 'note', cid: 'n-3', conversationId: src.conv.a, text: 'resolved' });
    await ana.type('ack', (f) => f.cid === 'n-3');
    expect((await app.storage.listNotes(src.conv.a)).map((n) => n.text)).toEqual([
      'asked twice already',
      'VIP customer',
      'resolved',
    ]);
    expect((await app.storage.messagesSince(src.conv.a, 0)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);

    // The closed conversation is still closed; the queued one can be claimed.
    const v2 = pool.add(await Client.ready(host, '/ws/visitor', s2?.token ?? ''));
    const w2 = v2.received.find((f) => f.type === 'welcome');
    expect(w2?.conversations[0]).toMatchObject({ id: src.conv.b, status: 'closed', lastSeq: 4 });
    const v3 = pool.add(await Client.ready(host, '/ws/visitor', s3?.token ?? ''));
    ana.send({ type: 'claim', cid: 'claim-c', conversationId: src.conv.c });
    await ana.type('ack', (f) => f.cid === 'claim-c');
    expect(await v3.type('message', (f) => f.message.event?.kind === 'joined')).toMatchObject({
      message: { seq: 3 },
    });
    // The file sent on SQLite is served from PostgreSQL now.
    const file = (await app.storage.messagesSince(src.conv.c, 0)).find((m) => m.attachment);
    const served = await app.inject({
      method: 'GET',
      url: app.chat.attachments.sign(file?.attachment?.id ?? ''),
    });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(PNG)).toBe(true);
  });

  it('the CLI refuses a target that is not postgres://, a source that is not SQLite, and a target that holds data', async () => {
    const dataDir = dir();
    await stop((await start(dataDir)).app);
    const from = `sqlite:${join(dataDir, 'switchboard.db')}`;
    const target = await database();

    const wrongScheme = await runBin(['migrate-to', 'mysql://db.example/sb', '--from', from]);
    expect(wrongScheme.code).toBe(2);
    expect(wrongScheme.stderr).toContain('the target must be a postgres:// URL');
    const wrongSource = await runBin(['migrate-to', target.url], { DATABASE_URL: target.url });
    expect(wrongSource.code).toBe(2);
    expect(wrongSource.stderr).toContain('DATABASE_URL must be sqlite:<path>');
    // Refused before anything touched the target: not even the migrations ran.
    expect(
      await pgQuery(target.url, `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`),
    ).toEqual([]);

    const done = await runBin(['migrate-to', target.url, '--from', from, '--json']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      from,
      tables: { sites: 1, agents: 3, conversations: 0 },
      jwtSecretFile: join(dataDir, 'jwt-secret'),
    });

    const again = await runBin(['migrate-to', target.url, '--from', from]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'the target database is not empty (sites: 1 row, agents: 3 rows, memberships: 3 rows, canned_responses: 5 rows)',
    );
    expect(again.stdout).toBe('');
    expect(await count(target.url, 'sites')).toBe(1);
    expect(await count(target.url, 'agents')).toBe(3);

    // The same through the function: a usage error is its own class (exit 2 in the CLI).
    await expect(migrateTo({ target: 'http://x', from, env: {} })).rejects.toBeInstanceOf(UsageError);
  });

  it('a copy that fails halfway leaves the target empty', async () => {
    const dataDir = dir();
    const { app, host } = await start(dataDir);
    const v = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    v.send({ type: 'send', cid: 'x', text: 'refused by the target' });
    await v.type('ack');
    await stop(app);
    const target = await database();
    // A target whose schema refuses one message: the copy fails on the messages table, after
    // sites, agents, visitors and conversations went in.
    await (await PostgresStorage.open(target.url)).close();
    await pgQuery(
      target.url,
      `ALTER TABLE messages ADD CONSTRAINT refuse_one CHECK (text <> 'refused by the target')`,
    );

    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['migrate-to', target.url, '--from', `sqlite:${join(dataDir, 'switchboard.db')}`, '--json'],
      {
        env: {},
        readStdin: async () => '',
        log: () => undefined,
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
      },
    );
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err.join('')).toMatch(/copying messages failed, nothing was committed: .*refuse_one/);
    for (const t of ['settings', 'sites', 'agents', 'visitors', 'conversations', 'messages', 'notes']) {
      expect(await count(target.url, t), t).toBe(0);
    }
  });
});
