import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SystemLines } from '../src/routing/index.js';
import { MessageWriter } from '../src/storage/message-writer.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import type { ConversationRecord, NewMessage } from '../src/storage/types.js';
import { tempDir, visitorRecord } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let path: string;
let db: SqliteStorage;
const now = 1_700_000_000_000;

async function seedBasics(s: SqliteStorage): Promise<ConversationRecord> {
  await s.createSite({
    id: 'demo',
    name: 'Demo',
    secret: 's',
    allowedOrigins: ['http://localhost:*'],
    departments: ['Sales'],
    color: '#000',
    title: 't',
    greeting: 'g',
    createdAt: now,
  });
  for (const id of ['a1', 'a2', 'a3', 'a4']) {
    await s.createAgent({
      id,
      siteId: 'demo',
      email: `${id}@x.test`,
      name: id.toUpperCase(),
      role: 'agent',
      passwordHash: 'x',
      createdAt: now,
    });
  }
  await s.createVisitor(visitorRecord('v1', now));
  return s.createConversation({
    siteId: 'demo',
    visitorId: 'v1',
    department: null,
    status: 'queued',
    at: now,
  });
}

function msg(conversationId: string, cid: string | null, text = cid ?? 'x'): NewMessage {
  return {
    conversationId,
    sender: cid === null ? null : 'v:v1',
    cid,
    text,
    author: { kind: 'visitor', id: 'v1', name: 'Visitor' },
    at: now,
  };
}

beforeEach(() => {
  tmp = tempDir();
  path = join(tmp.dir, 'test.db');
  db = new SqliteStorage(path);
});
afterEach(async () => {
  await db.close();
  tmp.remove();
});

describe('SqliteStorage', () => {
  it('assigns gap-free seqs per conversation, in batch order', async () => {
    const c1 = await seedBasics(db);
    const c2 = await db.createConversation({
      siteId: 'demo',
      visitorId: 'v1',
      department: null,
      status: 'queued',
      at: now,
    });
    const res = await db.appendMessages([msg(c1.id, 'a'), msg(c2.id, 'b'), msg(c1.id, 'c'), msg(c1.id, 'd')]);
    expect(
      res.map((r) => (r.ok ? [r.message.conversationId === c1.id ? 1 : 2, r.message.seq] : null)),
    ).toEqual([
      [1, 1],
      [2, 1],
      [1, 2],
      [1, 3],
    ]);
    const more = await db.appendMessages([msg(c1.id, 'e')]);
    expect(more[0]).toMatchObject({ ok: true, message: { seq: 4 } });
    const all = await db.messagesSince(c1.id, 0);
    expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect((await db.getConversation(c1.id))?.lastSeq).toBe(4);
    expect((await db.getConversation(c1.id))?.lastMessage).toMatchObject({
      text: 'e',
      authorKind: 'visitor',
    });
  });

  it('a resent (sender, cid) returns the ORIGINAL message and stores nothing', async () => {
    const c = await seedBasics(db);
    const [first] = await db.appendMessages([msg(c.id, 'cid-1', 'hello')]);
    await db.appendMessages([msg(c.id, 'cid-2', 'second')]);
    const [again] = await db.appendMessages([msg(c.id, 'cid-1', 'hello (resent)')]);
    expect(first).toMatchObject({ ok: true, duplicate: false, message: { seq: 1 } });
    expect(again).toMatchObject({
      ok: true,
      duplicate: true,
      message: { seq: 1, text: 'hello', cid: 'cid-1' },
    });
    // Duplicates inside one batch, too.
    const batch = await db.appendMessages([msg(c.id, 'cid-3'), msg(c.id, 'cid-3')]);
    expect(batch.map((r) => r.ok && [r.message.seq, r.duplicate])).toEqual([
      [3, false],
      [3, true],
    ]);
    expect((await db.messagesSince(c.id, 0)).length).toBe(3);
    expect(await db.findMessageByCid('v:v1', 'cid-2')).toMatchObject({ seq: 2 });
    expect(await db.findMessageByCid('v:other', 'cid-2')).toBeNull();
  });

  it('reports a missing conversation without failing the rest of the batch', async () => {
    const c = await seedBasics(db);
    const res = await db.appendMessages([msg('c_missing', 'z'), msg(c.id, 'y')]);
    expect(res[0]).toEqual({ ok: false, reason: 'not_found' });
    expect(res[1]).toMatchObject({ ok: true, message: { seq: 1 } });
  });

  it('claim is atomic: of concurrent claims exactly one wins', async () => {
    const c = await seedBasics(db);
    const results = await Promise.all(
      ['a1', 'a2', 'a3', 'a4'].map((a) => db.claimConversation(c.id, a, SystemLines.joined(a), now)),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const after = await db.getConversation(c.id);
    expect(after?.status).toBe('assigned');
    expect(after?.agentId).toBe(winners[0]?.conversation.agentId);
    // The joined line was stored in the same transaction, once.
    const lines = (await db.messagesSince(c.id, 0)).filter((m) => m.event?.kind === 'joined');
    expect(lines).toHaveLength(1);
  });

  it('a second SQLite connection racing on the same file cannot claim twice', async () => {
    const c = await seedBasics(db);
    const other = new SqliteStorage(path);
    try {
      const a = await db.claimConversation(c.id, 'a1', null, now);
      const b = await other.claimConversation(c.id, 'a2', null, now);
      expect([a !== null, b !== null]).toEqual([true, false]);
    } finally {
      await other.close();
    }
  });

  it('the conversation cache follows our own writes and drops a copy another writer made stale', async () => {
    const c = await seedBasics(db);
    await db.appendMessages([msg(c.id, 'k1'), msg(c.id, 'k2')]);
    expect(await db.getConversation(c.id)).toMatchObject({ lastSeq: 2, status: 'queued' });
    expect(await db.setReadSeq(c.id, 'visitor', 2)).toBe(2);
    expect(await db.getConversation(c.id)).toMatchObject({ visitorReadSeq: 2, lastSeq: 2 });
    const other = new SqliteStorage(path);
    try {
      // Another process claims it: our cached row is stale, so our compare-and-set is
      // refused — and that refusal drops the copy, so the retry reads the fresh row.
      expect(await other.claimConversation(c.id, 'a2', null, now)).not.toBeNull();
      expect(await db.claimConversation(c.id, 'a1', null, now)).toBeNull();
      expect(await db.getConversation(c.id)).toMatchObject({ status: 'assigned', agentId: 'a2' });
    } finally {
      await other.close();
    }
    // Our own transition is visible at once (no read needed).
    const r = await db.transitionConversation(c.id, {
      expect: { status: 'assigned', agentId: 'a2' },
      next: { status: 'closed', agentId: 'a2', department: null },
      line: SystemLines.closed(),
      note: null,
      at: now + 1,
    });
    expect(await db.getConversation(c.id)).toEqual(r?.conversation);
    expect(await db.getConversation(c.id)).toMatchObject({ status: 'closed', lastSeq: 3 });
  });

  it('a seq taken from a stale cached row is re-read and retried inside the same commit', async () => {
    const c = await seedBasics(db);
    await db.appendMessages([msg(c.id, 'k1')]);
    expect(await db.getConversation(c.id)).toMatchObject({ lastSeq: 1 });
    const other = new SqliteStorage(path);
    try {
      // Another writer appends seq 2 and 3: our cached row still says lastSeq 1.
      await other.appendMessages([msg(c.id, 'o1'), msg(c.id, 'o2')]);
    } finally {
      await other.close();
    }
    const [r1, r2] = await db.appendMessages([msg(c.id, 'k2'), msg(c.id, 'k3')]);
    expect(r1).toMatchObject({ ok: true, duplicate: false, message: { seq: 4, cid: 'k2' } });
    expect(r2).toMatchObject({ ok: true, duplicate: false, message: { seq: 5, cid: 'k3' } });
    const seqs = (await db.messagesSince(c.id, 0)).map((m) => `${m.seq}:${m.cid}`);
    expect(seqs).toEqual(['1:k1', '2:o1', '3:o2', '4:k2', '5:k3']);
    expect(await db.getConversation(c.id)).toMatchObject({ lastSeq: 5, lastMessage: { text: 'k3' } });
    // A resend of an id the other writer stored is a duplicate, not a new seq.
    const [dup] = await db.appendMessages([msg(c.id, 'o1')]);
    expect(dup).toMatchObject({ ok: true, duplicate: true, message: { seq: 2 } });
    expect(await db.getConversation(c.id)).toMatchObject({ lastSeq: 5 });
  });

  it("a visitor's newest conversation is known without a read, and the answer matches the query", async () => {
    const c1 = await seedBasics(db); // creates visitor v1, then its conversation
    const query = (s: SqliteStorage, limit: number) => s.listVisitorConversations('v1', limit);
    expect((await query(db, 1)).map((c) => c.id)).toEqual([c1.id]);
    const c2 = await db.createConversation({
      siteId: 'demo',
      visitorId: 'v1',
      department: null,
      status: 'queued',
      at: now + 5,
    });
    expect((await query(db, 1)).map((c) => c.id)).toEqual([c2.id]);
    // Same millisecond as c2: the query's tie-break (id) decides, not the order we wrote them.
    const c3 = await db.createConversation({
      siteId: 'demo',
      visitorId: 'v1',
      department: null,
      status: 'queued',
      at: now + 5,
    });
    const fresh = new SqliteStorage(path); // no memory of what was written: reads the table
    try {
      expect((await query(db, 1)).map((c) => c.id)).toEqual((await query(fresh, 1)).map((c) => c.id));
      expect((await query(db, 5)).map((c) => c.id)).toEqual((await query(fresh, 5)).map((c) => c.id));
      expect((await query(fresh, 5)).map((c) => c.id).sort()).toEqual([c1.id, c2.id, c3.id].sort());
    } finally {
      await fresh.close();
    }
    await db.createVisitor(visitorRecord('v2', now));
    expect(await db.listVisitorConversations('v2', 20)).toEqual([]);
  });

  it('row creations of one turn share one transaction; a failing one does not fail the others', async () => {
    const c = await seedBasics(db); // v1 exists
    // @ts-expect-error private: count the shared transactions
    const tx = vi.spyOn(db, 'groupTx');
    const settled = await Promise.allSettled([
      db.createVisitor(visitorRecord('v7', now)),
      db.createVisitor(visitorRecord('v1', now)), // duplicate primary key
      db.createVisitor(visitorRecord('v8', now)),
      db.createConversation({ siteId: 'demo', visitorId: 'v1', department: null, status: 'queued', at: now }),
    ]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(tx).toHaveBeenCalledTimes(1);
    const fresh = new SqliteStorage(path);
    try {
      expect(await fresh.getVisitor('v7')).toMatchObject({ id: 'v7' });
      expect(await fresh.getVisitor('v8')).toMatchObject({ id: 'v8' });
      const convs = await fresh.listVisitorConversations('v1', 10);
      expect(convs.map((x) => x.id)).toContain(c.id);
      expect(convs).toHaveLength(2);
    } finally {
      await fresh.close();
    }
  });

  it('transitions are compare-and-set, store the system line and the note together', async () => {
    const c = await seedBasics(db);
    await db.claimConversation(c.id, 'a1', null, now);
    const stale = await db.transitionConversation(c.id, {
      expect: { status: 'queued', agentId: null },
      next: { status: 'closed', agentId: null, department: null },
      line: SystemLines.closed(),
      note: null,
      at: now,
    });
    expect(stale).toBeNull();
    const r = await db.transitionConversation(c.id, {
      expect: { status: 'assigned', agentId: 'a1' },
      next: { status: 'assigned', agentId: 'a2', department: null },
      line: SystemLines.transferredToAgent('A2'),
      note: {
        conversationId: c.id,
        sender: 'a:a1',
        cid: 't1',
        text: 'VIP',
        author: { kind: 'agent', id: 'a1', name: 'A1' },
        at: now,
      },
      at: now,
    });
    expect(r?.conversation).toMatchObject({ status: 'assigned', agentId: 'a2', lastSeq: 1 });
    expect(r?.message).toMatchObject({ seq: 1, text: 'Transferred to A2', event: { kind: 'transferred' } });
    expect(r?.note).toMatchObject({ text: 'VIP', afterSeq: 1 });
    expect(await db.listNotes(c.id)).toHaveLength(1);
    const closed = await db.transitionConversation(c.id, {
      expect: { status: 'assigned', agentId: 'a2' },
      next: { status: 'closed', agentId: 'a2', department: null },
      line: SystemLines.closed(),
      note: null,
      at: now + 5,
    });
    expect(closed?.conversation).toMatchObject({ status: 'closed', closedAt: now + 5 });
    expect(await db.listOpenConversations('demo')).toHaveLength(0);
    expect(await db.listAgentConversations('a2')).toHaveLength(0);
  });

  it('read cursors only move forward and never past lastSeq', async () => {
    const c = await seedBasics(db);
    await db.appendMessages([msg(c.id, '1'), msg(c.id, '2'), msg(c.id, '3')]);
    expect(await db.setReadSeq(c.id, 'visitor', 2)).toBe(2);
    expect(await db.setReadSeq(c.id, 'visitor', 1)).toBe(2);
    expect(await db.setReadSeq(c.id, 'agent', 99)).toBe(3);
    expect(await db.setReadSeq('c_nope', 'agent', 1)).toBeNull();
  });

  it('notes are idempotent by (sender, cid)', async () => {
    const c = await seedBasics(db);
    const n = {
      conversationId: c.id,
      sender: 'a:a1',
      cid: 'n1',
      text: 'x',
      author: { kind: 'agent' as const, id: 'a1', name: 'A1' },
      at: now,
    };
    const a = await db.addNote(n);
    const b = await db.addNote({ ...n, text: 'y' });
    expect(b).toEqual({ note: a.note, duplicate: true });
    expect(await db.listNotes(c.id)).toHaveLength(1);
  });

  it('everything persists across closing and reopening the database; migrations run once', async () => {
    const c = await seedBasics(db);
    await db.appendMessages([msg(c.id, 'p1', 'persist me')]);
    await db.setSetting('k', 'v');
    await db.close();
    db = new SqliteStorage(path);
    expect(await db.getSetting('k')).toBe('v');
    expect(await db.isEmpty()).toBe(false);
    expect((await db.messagesSince(c.id, 0)).map((m) => m.text)).toEqual(['persist me']);
    const [next] = await db.appendMessages([msg(c.id, 'p2')]);
    expect(next).toMatchObject({ ok: true, message: { seq: 2 } });
  });

  it('finds visitors by (site, external id) and updates them', async () => {
    await seedBasics(db);
    expect(await db.findVisitorByExternalId('demo', 'u1')).toBeNull();
    await db.updateVisitor('v1', { externalId: 'u1', verified: true, name: 'Jo' });
    expect(await db.findVisitorByExternalId('demo', 'u1')).toMatchObject({
      id: 'v1',
      verified: true,
      name: 'Jo',
    });
    expect(await db.listVisitorConversations('v1', 10)).toHaveLength(1);
  });

  it('site settings: partial updates, hours stored and removed, unknown site → null', async () => {
    await seedBasics(db);
    expect((await db.getSite('demo'))?.businessHours).toBeNull();
    const hours = { timezone: 'Europe/Lisbon', days: [{ day: 1, from: '09:00', to: '24:00' }] };
    const updated = await db.updateSite('demo', { title: 'New', businessHours: hours });
    expect(updated).toMatchObject({ title: 'New', greeting: 'g', color: '#000', businessHours: hours });
    expect(await db.updateSite('demo', { departments: ['A', 'B'] })).toMatchObject({
      title: 'New',
      departments: ['A', 'B'],
      businessHours: hours,
    });
    expect((await db.updateSite('demo', { businessHours: null }))?.businessHours).toBeNull();
    expect(await db.updateSite('nope', { title: 'x' })).toBeNull();
  });

  it('lists the agents that still hold assigned conversations', async () => {
    const c = await seedBasics(db);
    expect(await db.listAssignedAgents()).toEqual([]);
    await db.claimConversation(c.id, 'a2', null, now);
    expect(await db.listAssignedAgents()).toEqual([{ agentId: 'a2', siteId: 'demo' }]);
    await db.transitionConversation(c.id, {
      expect: { status: 'assigned', agentId: 'a2' },
      next: { status: 'closed', agentId: 'a2', department: null },
      line: null,
      note: null,
      at: now,
    });
    expect(await db.listAssignedAgents()).toEqual([]);
  });
});

describe('MessageWriter (group commit)', () => {
  it('writes everything queued in one turn in ONE transaction and resolves after commit', async () => {
    const c = await seedBasics(db);
    const batches: number[] = [];
    const writer = new MessageWriter(db, { onBatch: (size) => batches.push(size) });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => writer.append(msg(c.id, `g${i}`))),
    );
    expect(batches).toEqual([50]);
    expect(results.map((r) => r.ok && r.message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // Next turn: a new batch.
    await writer.append(msg(c.id, 'later'));
    expect(batches).toEqual([50, 1]);
  });

  it('a failed transaction rejects the whole batch and stores none of it', async () => {
    const c = await seedBasics(db);
    const failing = Object.create(db) as SqliteStorage;
    failing.appendMessages = async () => {
      throw new Error('disk on fire');
    };
    const writer = new MessageWriter(failing);
    const r = await Promise.allSettled([writer.append(msg(c.id, 'f1')), writer.append(msg(c.id, 'f2'))]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    expect(await db.messagesSince(c.id, 0)).toHaveLength(0);
  });

  it('flushes queued messages on close and refuses new ones afterwards', async () => {
    const c = await seedBasics(db);
    const writer = new MessageWriter(db);
    const p = writer.append(msg(c.id, 'last'));
    await writer.close();
    await expect(p).resolves.toMatchObject({ ok: true });
    await expect(writer.append(msg(c.id, 'too late'))).rejects.toMatchObject({ code: 'SB_ERR_UNAVAILABLE' });
  });
});
