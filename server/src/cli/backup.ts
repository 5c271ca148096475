/**
 * `switchboard backup <file>`: a consistent copy of the SQLite database while the server runs
 * (SQLite's online backup API: pages are copied in steps, the server keeps writing meanwhile;
 * the copy is one snapshot). To restore, stop the server and put the file in place of the
 * database (docs/deploy.md). PostgreSQL installs use `pg_dump`: the command says so.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig, sqlitePath } from '../config.js';
import { type Command, UsageError } from './command.js';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'copy the SQLite database to a file while the server runs',
  args: ['file'],
  options: {},
  description: [
    'Writes a consistent snapshot of DATABASE_URL (a SQLite file; default $DATA_DIR/switchboard.db)',
    'to <file>, which must not exist yet. The server may keep running. To restore: stop the server,',
    'move <file> to the database path (remove any -wal and -shm files next to it), start.',
    'Keep $DATA_DIR/jwt-secret with it, or agents sign in again. PostgreSQL: use pg_dump.',
  ].join('\n'),
  async run(input, ctx) {
    const config = loadConfig(ctx.env);
    const source = sqlitePath(config.databaseUrl);
    if (source === null) {
      throw new UsageError('DATABASE_URL is PostgreSQL: back it up with pg_dump -Fc (docs/deploy.md)');
    }
    if (!existsSync(source)) throw new Error(`no database at ${source}`);
    const target = resolve(input.args[0] ?? '');
    if (existsSync(target)) throw new UsageError(`${target} exists already: choose a new file`);
    // A second connection beside the running server (WAL: readers never block it).
    const db = new Database(source, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    try {
      const r = await db.backup(target);
      ctx.log(`backed up ${source} → ${target} (${r.totalPages} pages)`);
      return { json: { from: source, to: target, pages: r.totalPages }, text: `Backed up to ${target}` };
    } finally {
      db.close();
    }
  },
};
