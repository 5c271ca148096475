/**
 * Copies a SQLite install into an empty PostgreSQL database (`switchboard migrate-to`).
 *
 * The source is opened read-only and read inside one read transaction (one WAL snapshot). The
 * target gets its migrations, the copy and the sequence resets in ONE transaction: a failure
 * anywhere rolls all of it back and leaves the target as it was. Rows keep their ids, seqs,
 * cids, read cursors and timestamps verbatim; notes keep their insertion order (SQLite's rowid
 * becomes PostgreSQL's `ord`). Column lists come from the two schemas, so a column added to
 * both migration lists is copied without touching this file; a new table must be added to
 * `COPIED_TABLES` (the copy refuses a source table it does not know).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { applyPostgresMigrations, fillSearchIndex, inTransaction } from './postgres.js';

interface TableSpec {
  name: string;
  /** Source order: insertion order where it matters, the primary key otherwise. */
  orderBy: string;
  /** Copy SQLite's rowid into this target column (it orders rows the schema has no key for). */
  rowidAs?: string;
}

/** Every data table of the schema, parents before children (foreign keys). */
export const COPIED_TABLES: readonly TableSpec[] = [
  { name: 'settings', orderBy: 'key' },
  { name: 'sites', orderBy: 'rowid' },
  { name: 'agents', orderBy: 'rowid' },
  { name: 'memberships', orderBy: 'agent_id, site_id' },
  { name: 'invitations', orderBy: 'token_hash' },
  { name: 'webhooks', orderBy: 'rowid' },
  { name: 'events', orderBy: 'rowid' },
  { name: 'deliveries', orderBy: 'rowid' },
  { name: 'api_keys', orderBy: 'rowid' },
  { name: 'visitors', orderBy: 'rowid' },
  { name: 'conversations', orderBy: 'rowid' },
  { name: 'messages', orderBy: 'conversation_id, seq' },
  { name: 'notes', orderBy: 'rowid', rowidAs: 'ord' },
  { name: 'ratings', orderBy: 'rowid' },
  { name: 'canned_responses', orderBy: 'rowid' },
  { name: 'blocks', orderBy: 'rowid' },
  { name: 'visits', orderBy: 'visitor_id' },
  { name: 'audit_log', orderBy: 'rowid' },
  { name: 'refresh_sessions', orderBy: 'rowid' },
  { name: 'attachments', orderBy: 'rowid' },
  { name: 'proactive_rules', orderBy: 'rowid' },
];

/** Tables each store keeps for itself. */
const NOT_COPIED = new Set(['schema_migrations']);
/**
 * The search indexes (SQLite: FTS5 tables, their shadow tables and how far the message index
 * got) are derived data in each store's own format: not copied, rebuilt on the target from the
 * copied rows.
 */
const DERIVED = /^(message|visitor)_search(_(data|idx|content|docsize|config|progress))?$/;

/** PostgreSQL takes at most 65 535 parameters per statement. */
const MAX_PARAMS = 65_535;

export interface CopyOptions {
  sqlitePath: string;
  postgresUrl: string;
  /** Rows per INSERT (default 500; capped so one INSERT stays under PostgreSQL's parameter limit). */
  batchSize?: number;
  /** Where the SQLite install keeps attachment files (`DATA_DIR/attachments`): copied into `attachment_blobs`. */
  filesDir?: string;
}

export interface CopySummary {
  /** Rows copied per table, in copy order. */
  tables: Record<string, number>;
  /** Serial columns moved past the copied maxima: sequence name → next value. */
  sequences: Record<string, number>;
  /** Attachment files copied into `attachment_blobs` (with `filesDir`). */
  files: number;
}

/** A refusal or failure of the copy with a message meant for the operator. */
export class CopyError extends Error {
  override readonly name = 'CopyError';
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function openSource(path: string): Database.Database {
  if (!existsSync(path)) {
    throw new CopyError(
      `no SQLite database at ${path} (check DATABASE_URL / DATA_DIR, or pass --from sqlite:<path>)`,
    );
  }
  try {
    return new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new CopyError(`cannot open the SQLite database ${path}: ${(err as Error).message}`);
  }
}

/** The source must be a Switchboard database at exactly this version's schema. */
function checkSourceSchema(db: Database.Database): void {
  const tables = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
    )
    .pluck()
    .all() as string[];
  if (!tables.includes('schema_migrations')) {
    throw new CopyError('the source is not a Switchboard database (it has no schema_migrations table)');
  }
  const have = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
  const want = SQLITE_MIGRATIONS.map((m) => m.version);
  const newest = have.at(-1) ?? 0;
  const expected = want.at(-1) ?? 0;
  if (newest > expected) {
    throw new CopyError(
      `the SQLite database is at schema version ${newest}, newer than this Switchboard (${expected}): run migrate-to from the version that wrote it`,
    );
  }
  if (have.join(',') !== want.join(',')) {
    throw new CopyError(
      `the SQLite database is at schema version ${newest}, this Switchboard expects ${expected}: start the server once on it (it migrates on start), stop it, then run migrate-to`,
    );
  }
  const known = new Set(COPIED_TABLES.map((t) => t.name));
  const unknown = tables.filter((t) => !known.has(t) && !NOT_COPIED.has(t) && !DERIVED.test(t));
  if (unknown.length > 0) {
    throw new CopyError(`the SQLite database has tables migrate-to does not know: ${unknown.join(', ')}`);
  }
}

async function targetColumns(c: pg.Client, table: string): Promise<Set<string>> {
  const r = await c.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table],
  );
  return new Set(r.rows.map((row) => row.column_name));
}

async function countRows(c: pg.Client, table: string): Promise<number> {
  const r = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${ident(table)}`);
  return Number(r.rows[0]?.n ?? 0);
}

/** Refuses a target that holds any row in any table the copy would fill. */
async function checkTargetEmpty(c: pg.Client): Promise<void> {
  const filled: string[] = [];
  for (const t of COPIED_TABLES) {
    const n = await countRows(c, t.name);
    if (n > 0) filled.push(`${t.name}: ${n} ${n === 1 ? 'row' : 'rows'}`);
  }
  if (filled.length > 0) {
    throw new CopyError(
      `the target database is not empty (${filled.join(', ')}); migrate-to copies into an empty database only: create a new one (createdb …) and pass its URL`,
    );
  }
}

async function insertBatch(
  c: pg.Client,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const start = values.length;
    values.push(...row);
    return `(${row.map((_, i) => `$${start + i + 1}`).join(', ')})`;
  });
  await c.query(
    `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')}`,
    values,
  );
}

async function copyTable(
  source: Database.Database,
  c: pg.Client,
  spec: TableSpec,
  batchSize: number,
): Promise<number> {
  const select = spec.rowidAs ? `SELECT rowid AS ${ident(spec.rowidAs)}, *` : 'SELECT *';
  const stmt = source.prepare(`${select} FROM ${ident(spec.name)} ORDER BY ${spec.orderBy}`).raw(true);
  const columns = stmt.columns().map((col) => col.name);
  const target = await targetColumns(c, spec.name);
  const missing = columns.filter((col) => !target.has(col));
  if (missing.length > 0) {
    throw new CopyError(
      `the PostgreSQL schema has no column ${missing.map((m) => `${spec.name}.${m}`).join(', ')}: the two migration lists are out of step`,
    );
  }
  const perInsert = Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMS / columns.length)));
  let batch: unknown[][] = [];
  let copied = 0;
  // Only this statement uses the source connection while it iterates.
  for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
    batch.push(row);
    if (batch.length === perInsert) {
      await insertBatch(c, spec.name, columns, batch);
      copied += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await insertBatch(c, spec.name, columns, batch);
    copied += batch.length;
  }
  return copied;
}

/** Moves every serial/identity sequence of the copied tables past the largest copied value. */
async function resetSequences(c: pg.Client): Promise<Record<string, number>> {
  const serials = await c.query<{ table_name: string; column_name: string; seq: string }>(
    `SELECT table_name, column_name, seq FROM (
       SELECT table_name, column_name,
              pg_get_serial_sequence(format('%I.%I', table_schema, table_name), column_name) AS seq
       FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = ANY($1)
     ) cols WHERE seq IS NOT NULL ORDER BY table_name, column_name`,
    [COPIED_TABLES.map((t) => t.name)],
  );
  const next: Record<string, number> = {};
  for (const s of serials.rows) {
    const r = await c.query<{ next: string }>(
      `SELECT COALESCE(MAX(${ident(s.column_name)}), 0) + 1 AS next FROM ${ident(s.table_name)}`,
    );
    const value = Number(r.rows[0]?.next ?? 1);
    // is_called = false: the next nextval() returns `value` itself.
    await c.query('SELECT setval($1, $2, false)', [s.seq, value]);
    next[s.seq] = value;
  }
  return next;
}

export async function copySqliteToPostgres(opts: CopyOptions): Promise<CopySummary> {
  const batchSize = opts.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CopyError('batchSize must be an integer ≥ 1');
  const source = openSource(opts.sqlitePath);
  try {
    // One snapshot of the source for the whole copy, even if something still writes to it.
    source.exec('BEGIN');
    checkSourceSchema(source);
    // A target that does not answer (a firewalled host) fails in seconds, not after the OS's TCP timeout.
    const target = new pg.Client({ connectionString: opts.postgresUrl, connectionTimeoutMillis: 15_000 });
    try {
      await target.connect();
    } catch (err) {
      throw new CopyError(`cannot connect to the target PostgreSQL: ${(err as Error).message}`);
    }
    try {
      return await inTransaction(target, async () => {
        const summary = await copyAll(source, target, batchSize);
        return { ...summary, files: opts.filesDir ? await copyFiles(source, target, opts.filesDir) : 0 };
      });
    } finally {
      await target.end().catch(() => undefined);
    }
  } finally {
    source.close();
  }
}

async function copyAll(
  source: Database.Database,
  target: pg.Client,
  batchSize: number,
): Promise<Omit<CopySummary, 'files'>> {
  await applyPostgresMigrations(target);
  // Nobody else writes these tables until we commit (a gateway started meanwhile waits).
  await target.query(`LOCK TABLE ${COPIED_TABLES.map((t) => ident(t.name)).join(', ')} IN EXCLUSIVE MODE`);
  await checkTargetEmpty(target);
  const tables: Record<string, number> = {};
  for (const spec of COPIED_TABLES) {
    let copied: number;
    try {
      copied = await copyTable(source, target, spec, batchSize);
    } catch (err) {
      if (err instanceof CopyError) throw err;
      throw new CopyError(`copying ${spec.name} failed, nothing was committed: ${(err as Error).message}`);
    }
    const expected = source
      .prepare(`SELECT COUNT(*) FROM ${ident(spec.name)}`)
      .pluck()
      .get() as number;
    const landed = await countRows(target, spec.name);
    if (copied !== expected || landed !== expected) {
      throw new CopyError(
        `${spec.name}: ${expected} rows in the source, ${copied} read, ${landed} in the target; nothing was committed`,
      );
    }
    tables[spec.name] = copied;
  }
  const sequences = await resetSequences(target);
  // The PostgreSQL search index of everything copied, in the same transaction.
  await fillSearchIndex(target);
  return { tables, sequences };
}

/** Attachment bytes: files under the SQLite install's DATA_DIR, rows in PostgreSQL (one at a time: up to 10 MB each). */
async function copyFiles(source: Database.Database, target: pg.Client, dir: string): Promise<number> {
  const ids = source.prepare('SELECT id FROM attachments ORDER BY id').pluck().all() as string[];
  let copied = 0;
  for (const id of ids) {
    const path = join(dir, id);
    // An upload whose bytes never landed (a crash mid-upload) was never servable: nothing to copy.
    if (!/^[A-Za-z0-9_-]+$/.test(id) || !existsSync(path)) continue;
    await target.query('INSERT INTO attachment_blobs (id, data) VALUES ($1, $2)', [id, readFileSync(path)]);
    copied++;
  }
  return copied;
}
