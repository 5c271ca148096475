/**
 * `switchboard migrate-to <postgres-url> [--from sqlite:<path>]`: moves a SQLite install into an
 * empty PostgreSQL database (storage/copy-to-postgres.ts does the copy). The JWT secret is not
 * in the database (secrets.ts keeps it in DATA_DIR/jwt-secret): the result says which file to
 * hand to the PostgreSQL nodes as JWT_SECRET, so existing tokens stay valid.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, sqlitePath } from '../config.js';
import { JWT_SECRET_FILE } from '../secrets.js';
import { type CopySummary, copySqliteToPostgres } from '../storage/copy-to-postgres.js';
import { type Command, type Env, stringOption, UsageError } from './command.js';

export interface MigrateToOptions {
  /** `postgres://…` or `postgresql://…`. */
  target: string;
  /** `sqlite:<path>`; default: the server's DATABASE_URL (or its default file under DATA_DIR). */
  from?: string;
  env: Env;
  batchSize?: number;
}

export interface MigrateToResult extends CopySummary {
  /** Source and target URLs as printed (a password in the target URL is masked). */
  from: string;
  to: string;
  /** The JWT secret file the SQLite server signed tokens with, when found. */
  jwtSecretFile: string | null;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** The URL with its password replaced, for output. */
export function maskPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function checkTarget(target: string): void {
  if (!POSTGRES_URL.test(target)) {
    throw new UsageError(`the target must be a postgres:// URL, got "${target.split(':')[0]}:…"`);
  }
  try {
    new URL(target);
  } catch {
    throw new UsageError('the target is not a valid URL (postgres://user:password@host:port/database)');
  }
}

/** The SQLite file to copy: `--from`, else the configured DATABASE_URL, exactly as `npm start` resolves it. */
function sourcePath(opts: MigrateToOptions): { path: string; dataDir: string } {
  const config = loadConfig(opts.env);
  const url = opts.from ?? config.databaseUrl;
  const what = opts.from === undefined ? 'DATABASE_URL' : '--from';
  const path = sqlitePath(url);
  if (path === null) {
    throw new UsageError(
      `${what} must be sqlite:<path> (migrate-to copies a SQLite install), got "${url.split(':')[0]}:…"`,
    );
  }
  if (path === ':memory:') throw new UsageError(`${what} is an in-memory database: there is nothing to copy`);
  // The server keeps its JWT secret under DATA_DIR; for a file named with --from and no
  // DATA_DIR, the default layout keeps it next to the database.
  const dataDir =
    opts.from === undefined || (opts.env.DATA_DIR ?? '').trim() !== '' ? config.dataDir : dirname(path);
  return { path, dataDir };
}

export async function migrateTo(opts: MigrateToOptions): Promise<MigrateToResult> {
  checkTarget(opts.target);
  const { path, dataDir } = sourcePath(opts);
  const summary = await copySqliteToPostgres({
    sqlitePath: path,
    postgresUrl: opts.target,
    filesDir: join(dataDir, 'attachments'),
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
  });
  const secretFile = resolve(join(dataDir, JWT_SECRET_FILE));
  return {
    from: `sqlite:${path}`,
    to: maskPassword(opts.target),
    ...summary,
    jwtSecretFile: existsSync(secretFile) ? secretFile : null,
  };
}

function summaryText(r: MigrateToResult): string {
  const width = Math.max(...Object.keys(r.tables).map((t) => t.length));
  const rows = Object.entries(r.tables).map(([t, n]) => `  ${t.padEnd(width)}  ${String(n).padStart(8)}`);
  const secret = r.jwtSecretFile
    ? `JWT_SECRET="$(cat ${r.jwtSecretFile})"`
    : 'JWT_SECRET=<the secret the SQLite server used, from its DATA_DIR/jwt-secret>';
  return [
    `Copied ${r.from} to ${r.to} (one transaction):`,
    ...rows,
    '',
    'Next: start the server(s) with',
    `  DATABASE_URL=${r.to} ${secret}`,
    'so agents stay signed in and visitors keep their conversations (the SQLite file is left as it was).',
  ].join('\n');
}

export const migrateToCommand: Command = {
  name: 'migrate-to',
  summary: 'copy this SQLite install into an empty PostgreSQL database',
  args: ['postgres-url'],
  options: {
    from: {
      type: 'string',
      value: 'sqlite:<path>',
      help: 'the SQLite database to copy (default: DATABASE_URL, else $DATA_DIR/switchboard.db)',
    },
  },
  description: [
    'Stop the server first: the SQLite file is opened read-only and read as one snapshot, so',
    'anything written after the copy starts is not copied.',
    '',
    'Copies sites, agents, visitors, conversations, messages (ids, seqs, client ids), read',
    'cursors, notes (in order) and settings into <postgres-url>, after applying its migrations,',
    'all in one transaction: on any failure the target is left as it was. The target must be',
    'empty (no row in any Switchboard table). The JWT secret is not in the database: start the',
    'PostgreSQL server(s) with JWT_SECRET set to the contents of $DATA_DIR/jwt-secret.',
  ].join('\n'),
  async run(input, ctx) {
    const target = input.args[0] ?? '';
    const from = stringOption(input, 'from');
    const result = await migrateTo({ target, env: ctx.env, ...(from === undefined ? {} : { from }) });
    return { json: { ...result }, text: summaryText(result) };
  },
};
