/**
 * What a message costs SQLite in WAL frames and CPU under different layouts of the messages
 * table (docs/performance.md, "One message at 1 000 msg/s, layer by layer"):
 *
 *   node --import tsx bench/src/sqlite-layouts.ts [rounds]
 *
 * Each layout gets a fresh file (WAL, synchronous = NORMAL, no checkpoint, like the store's
 * main connection between two checkpoints of its worker): 1 000 conversations, 20 000
 * messages loaded first, then 20 000 more appended one per transaction and 50 per
 * transaction to random conversations. It prints a JSON line per layout × batch × round, then
 * the medians, then which pages a one-message commit writes in the "clustered" layout (each
 * WAL frame's page number mapped to its table or index through `dbstat`).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { median } from './stats.js';

type Layout = 'clustered' | 'append-only' | 'no-cid-index' | 'no-conversation-update' | 'append-only-bare';
const LAYOUTS: readonly Layout[] = [
  'clustered',
  'append-only',
  'no-cid-index',
  'no-conversation-update',
  'append-only-bare',
];
const CONVERSATIONS = 1_000;
const MESSAGES = 20_000;
const PAGE = 4096;
const FRAME = PAGE + 24;
const TEXT = 'Hello, I have a question about my order number 12345, when will it ship?';

interface Conv {
  id: string;
  visitor: string;
  seq: number;
}

interface Run {
  db: Database.Database;
  path: string;
  append: (batch: number) => void;
}

function open(dir: string, layout: Layout, name: string): Run {
  const path = join(dir, `${name}.sqlite`);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(`CREATE TABLE conversations (id TEXT PRIMARY KEY, site_id TEXT, visitor_id TEXT, status TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0, last_text TEXT, last_author_kind TEXT, last_at INTEGER,
    updated_at INTEGER, created_at INTEGER)`);
  const columns = `id TEXT NOT NULL, conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT, cid TEXT,
    text TEXT NOT NULL, author_kind TEXT NOT NULL, author_id TEXT, author_name TEXT NOT NULL, event TEXT,
    at INTEGER NOT NULL, attachment TEXT`;
  const appendOnly = layout === 'append-only' || layout === 'append-only-bare';
  if (appendOnly) {
    db.exec(`CREATE TABLE messages (${columns});
      CREATE UNIQUE INDEX messages_conversation_seq ON messages(conversation_id, seq)`);
  } else {
    db.exec(`CREATE TABLE messages (${columns}, PRIMARY KEY (conversation_id, seq)) WITHOUT ROWID`);
  }
  const cidIndex = layout !== 'no-cid-index' && layout !== 'append-only-bare';
  const update = layout !== 'no-conversation-update' && layout !== 'append-only-bare';
  if (cidIndex) {
    db.exec(
      'CREATE UNIQUE INDEX messages_sender_cid ON messages(sender, cid) WHERE sender IS NOT NULL AND cid IS NOT NULL',
    );
  }
  const convs: Conv[] = [];
  const insertConv = db.prepare(
    "INSERT INTO conversations (id, site_id, visitor_id, status, created_at) VALUES (?, 's', ?, 'assigned', ?)",
  );
  db.transaction(() => {
    for (let i = 0; i < CONVERSATIONS; i++) {
      const c = { id: `c_${randomUUID()}`, visitor: `v:v_${randomUUID()}`, seq: 0 };
      convs.push(c);
      insertConv.run(c.id, c.visitor, Date.now());
    }
  })();
  const insert = db.prepare(
    `INSERT INTO messages (id, conversation_id, seq, sender, cid, text, author_kind, author_id, author_name, event, at, attachment)
     VALUES (?, ?, ?, ?, ?, ?, 'visitor', ?, 'Visitor', NULL, ?, NULL)
     ${cidIndex ? 'ON CONFLICT (sender, cid) WHERE sender IS NOT NULL AND cid IS NOT NULL DO NOTHING' : ''}`,
  );
  const touch = db.prepare(
    'UPDATE conversations SET last_seq = ?, last_text = ?, last_author_kind = ?, last_at = ?, updated_at = ? WHERE id = ?',
  );
  const tx = db.transaction((batch: number) => {
    for (let j = 0; j < batch; j++) {
      const c = convs[Math.floor(Math.random() * convs.length)] as Conv;
      c.seq++;
      const at = Date.now();
      insert.run(`m_${randomUUID()}`, c.id, c.seq, c.visitor, randomUUID(), TEXT, c.visitor, at);
      if (update) touch.run(c.seq, TEXT, 'visitor', at, at, c.id);
    }
  });
  for (let i = 0; i < MESSAGES / 50; i++) tx(50);
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, path, append: (batch) => tx(batch) };
}

interface Figures {
  layout: Layout;
  batch: number;
  round: number;
  framesPerMessage: number;
  cpuUsPerMessage: number;
}

function measure(dir: string, layout: Layout, batch: number, round: number): Figures {
  const run = open(dir, layout, `${layout}-${batch}-${round}`);
  const commits = Math.round(MESSAGES / batch);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < commits; i++) run.append(batch);
  const cpu = process.cpuUsage(cpu0);
  const frames = (statSync(`${run.path}-wal`).size - 32) / FRAME;
  run.db.close();
  const messages = commits * batch;
  return {
    layout,
    batch,
    round,
    framesPerMessage: +(frames / messages).toFixed(2),
    cpuUsPerMessage: +((cpu.user + cpu.system) / messages).toFixed(1),
  };
}

/** Which table or index each WAL frame of one-message commits belongs to (clustered layout). */
function composition(dir: string): Record<string, number> {
  const run = open(dir, 'clustered', 'composition');
  const owner = new Map<number, string>();
  const pages = run.db.prepare('SELECT name, pageno, pagetype FROM dbstat').all() as {
    name: string;
    pageno: number;
    pagetype: string;
  }[];
  for (const p of pages) owner.set(p.pageno, `${p.name} ${p.pagetype}`);
  const commits = 2_000;
  for (let i = 0; i < commits; i++) run.append(1);
  const wal = readFileSync(`${run.path}-wal`);
  run.db.close();
  const counts = new Map<string, number>();
  for (let off = 32; off + FRAME <= wal.length; off += FRAME) {
    const page = wal.readUInt32BE(off);
    const key = owner.get(page) ?? (page === 1 ? 'page 1' : 'new page');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) out[k] = +(v / commits).toFixed(2);
  return out;
}

function main(): void {
  const rounds = Math.max(1, Math.min(9, Number(process.argv[2] ?? 3) || 3));
  const dir = mkdtempSync(join(tmpdir(), 'sb-layouts-'));
  try {
    const all: Figures[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const layout of LAYOUTS) {
        for (const batch of [1, 50]) {
          const f = measure(dir, layout, batch, round);
          all.push(f);
          process.stdout.write(`${JSON.stringify(f)}\n`);
        }
      }
    }
    for (const layout of LAYOUTS) {
      for (const batch of [1, 50]) {
        const of = all.filter((f) => f.layout === layout && f.batch === batch);
        const summary = {
          median: true,
          layout,
          batch,
          framesPerMessage: median(of.map((f) => f.framesPerMessage)),
          cpuUsPerMessage: median(of.map((f) => f.cpuUsPerMessage)),
        };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      }
    }
    process.stdout.write(`${JSON.stringify({ framesPerOneMessageCommit: composition(dir) })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
