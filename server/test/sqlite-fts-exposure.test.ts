/**
 * better-sqlite3 12 bundles SQLite 3.53.2; three SQLite CVEs of October 2026 are fixed only in
 * 3.54.0 (better-sqlite3 13, which needs Node 22). Each needs a shape of full-text table
 * Switchboard does not make (docs/security.md): these tests keep it that way.
 *  - CVE-2026-119373 (FTS5 heap overflow): a `detail=none` FTS5 table with negative rowids and a
 *    prefix query;
 *  - CVE-2026-119374 (FTS5 heap overflow): `secure-delete` enabled on a corrupted FTS5 index;
 *  - CVE-2026-119372 (FTS3 use-after-free): an FTS3/FTS4 table queried with OR, NEAR and snippet().
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { tempDir } from './helpers.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A migrated store's file, opened a second time read-only to look at its schema. */
async function migratedSchema(): Promise<Database.Database> {
  const tmp = tempDir();
  cleanups.push(() => tmp.remove());
  const path = join(tmp.dir, 'fts.db');
  const store = new SqliteStorage(path);
  cleanups.push(() => store.close());
  const db = new Database(path, { readonly: true });
  cleanups.push(() => {
    db.close();
  });
  return db;
}

function virtualTables(db: Database.Database): { name: string; sql: string }[] {
  return db
    .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
    .all() as { name: string; sql: string }[];
}

describe('the SQLite full-text tables stay outside the conditions of the 3.54.0 CVEs', () => {
  it('are FTS5 only, with full detail (no FTS3/FTS4 table, no detail=none or columns)', async () => {
    const db = await migratedSchema();
    const tables = virtualTables(db);
    expect(tables.map((t) => t.name).sort()).toEqual(['message_search', 'visitor_search']);
    for (const t of tables) {
      expect(t.sql, t.name).toMatch(/USING fts5\(/i);
      expect(t.sql, t.name).not.toMatch(/\bdetail\s*=/i);
    }
  });

  it('never enable secure-delete', async () => {
    const db = await migratedSchema();
    for (const { name } of virtualTables(db)) {
      const options = db.prepare(`SELECT k, v FROM "${name}_config"`).all() as { k: string; v: unknown }[];
      expect(options.map((o) => o.k)).not.toContain('secure-delete');
    }
  });

  it("get SQLite's own rowids (from 1 up): no insert into them names a rowid", () => {
    const dir = join(import.meta.dirname, '../src/storage');
    const inserts = ['sqlite.ts', 'sqlite-search.ts', 'migrations.ts'].flatMap((f) => [
      ...readFileSync(join(dir, f), 'utf8').matchAll(
        /INSERT INTO (message_search|visitor_search)\s*\(([^)]*)\)/g,
      ),
    ]);
    expect(new Set(inserts.map((m) => m[1]))).toEqual(new Set(['message_search', 'visitor_search']));
    for (const m of inserts) expect(m[2], m[0]).not.toMatch(/rowid/i);
  });
});
