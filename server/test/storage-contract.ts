/**
 * The storage contract: every `Storage` implementation (SQLite, PostgreSQL) must pass this
 * suite. `describeStorage(name, newDatabase)` is called by one test file per store.
 *
 * `newDatabase()` makes a fresh, empty database for one test; its `open()` returns a new
 * handle on that same database (a second handle stands for a second gateway process:
 * its own connection(s), its own in-memory state). Handles opened through it are closed
 * after the test, then `drop()` removes the database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemLines } from '../src/routing/index.js';
import { MessageWriter } from '../src/storage/message-writer.js';
import type { ConversationRecord, NewMessage, NewNote, SiteRecord, Storage } from '../src/storage/types.js';
import { visitorRecord } from './helpers.js';

export interface TestDatabase {
  open(): Promise<Storage>;
  drop(): Promise<void>;
  /**
   * Whether several handles may WRITE the same database at once (several gateway processes).
   * PostgreSQL: yes. SQLite: one process per database file (the single-node default keeps
   * seq and conversation caches in process), so writer-concurrency tests use one handle there.
   */
  concurrentWriters: boolean;
}

const now = 1_700_000_000_000;

export async function seedBasics(s: Storage): Promise<ConversationRecord> {
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

export function msg(conversationId: string, cid: string | null, text = cid ?? 'x'): NewMessage {
  return {
    conversationId,
    sender: cid === null ? null : 'v:v1',
    cid,
    text,
    author: { kind: 'visitor', id: 'v1', name: 'Visitor' },
    at: now,
  };
}

function note(conversationId: string, cid: string | null, text = 'x'): NewNote {
  return {
    conversationId,
    sender: 'a:a1',
    cid,
    text,
    author: { kind: 'agent', id: 'a1', name: 'A1' },
    at: now,
  };
}

export function describeStorage(name: string, newDatabase: () => Promise<TestDatabase>): void {
  describe(`Storage contract: ${name}`, () => {
    let database: TestDatabase;
    let handles: Storage[];
    let db: Storage;
    /** Another handle on the same database (another process). */
    const other = async (): Promise<Storage> => {
      const s = await database.open();
      handles.push(s);
      return s;
    };

    /** A second writer: another handle where the store allows several writers, else the same one. */
    const writer = async (): Promise<Storage> => (database.concurrentWriters ? other() : db);

    beforeEach(async () => {
      database = await newDatabase();
      handles = [];
      db = await other();
    });
    afterEach(async () => {
      for (const h of handles) await h.close();
      await database.drop();
    });

    it('ping answers on an open store', async () => {
      await expect(db.ping()).resolves.toBeUndefined();
    });

    it('assigns gap-free seqs per conversation, in batch order', async () => {
      const c1 = await seedBasics(db);
      const c2 = await db.createConversation({
        siteId: 'demo',
        visitorId: 'v1',
        department: null,
        status: 'queued',
        at: now,
      });
      const res = await db.appendMessages([
        msg(c1.id, 'a'),
        msg(c2.id, 'b'),
        msg(c1.id, 'c'),
        msg(c1.id, 'd'),
      ]);
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
      expect((await db.messagesSince(c1.id, 0)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      expect((await db.messagesSince(c1.id, 2)).map((m) => m.seq)).toEqual([3, 4]);
      expect((await db.messagesSince(c1.id, 0, 2)).map((m) => m.seq)).toEqual([1, 2]);
      // Backwards: the newest page below a seq, still in seq order.
      expect((await db.messagesBefore(c1.id, 5, 2)).map((m) => m.seq)).toEqual([3, 4]);
      expect((await db.messagesBefore(c1.id, 3, 10)).map((m) => m.seq)).toEqual([1, 2]);
      expect(await db.messagesBefore(c1.id, 1, 10)).toEqual([]);
      expect((await db.messagesBefore(c2.id, 100, 10)).map((m) => m.seq)).toEqual([1]);
      expect((await db.getConversation(c1.id))?.lastSeq).toBe(4);
      expect((await db.getConversation(c1.id))?.lastMessage).toMatchObject({
        text: 'e',
        authorKind: 'visitor',
      });
    });

    it('seqs stay gap-free and unique under concurrent appends from several handles', async () => {
      const c = await seedBasics(db);
      const b = await writer();
      const writers = [db, b, db, b];
      const rounds = 5;
      const perBatch = 4;
      const all = await Promise.all(
        writers.flatMap((s, w) =>
          Array.from({ length: rounds }, (_, r) =>
            s.appendMessages(Array.from({ length: perBatch }, (_, i) => msg(c.id, `w${w}-r${r}-${i}`))),
          ),
        ),
      );
      const total = writers.length * rounds * perBatch;
      const seqs = all.flat().map((r) => (r.ok && !r.duplicate ? r.message.seq : -1));
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const stored = await b.messagesSince(c.id, 0);
      expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(new Set(stored.map((m) => m.cid)).size).toBe(total);
      // Within one batch the seqs are consecutive and in batch order.
      for (const batch of all) {
        const s = batch.map((r) => (r.ok ? r.message.seq : -1));
        expect(s).toEqual(s.map((_, i) => (s[0] as number) + i));
      }
      expect((await db.getConversation(c.id))?.lastSeq).toBe(total);
      const [next] = await db.appendMessages([msg(c.id, 'after')]);
      expect(next).toMatchObject({ ok: true, duplicate: false, message: { seq: total + 1 } });
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
      // Messages without a client id are never duplicates of each other.
      const plain = await db.appendMessages([msg(c.id, null, 'p'), msg(c.id, null, 'p')]);
      expect(plain.map((r) => r.ok && r.duplicate)).toEqual([false, false]);
    });

    it('the same (sender, cid) sent concurrently through two handles is stored once', async () => {
      const c = await seedBasics(db);
      const b = await other();
      const results = await Promise.all([
        db.appendMessages([msg(c.id, 'race-1'), msg(c.id, 'race-2')]),
        b.appendMessages([msg(c.id, 'race-2'), msg(c.id, 'race-1')]),
      ]);
      const flat = results.flat();
      expect(flat.filter((r) => r.ok && !r.duplicate)).toHaveLength(2);
      expect(flat.filter((r) => r.ok && r.duplicate)).toHaveLength(2);
      const stored = await db.messagesSince(c.id, 0);
      expect(stored.map((m) => m.seq)).toEqual([1, 2]);
      expect(stored.map((m) => m.cid).sort()).toEqual(['race-1', 'race-2']);
      // Every answer names the stored message, duplicate or not.
      for (const r of flat) {
        if (!r.ok) throw new Error('append failed');
        expect(stored.find((m) => m.cid === r.message.cid)?.id).toBe(r.message.id);
      }
    });

    it('reports a missing conversation without failing the rest of the batch', async () => {
      const c = await seedBasics(db);
      const res = await db.appendMessages([msg('c_missing', 'z'), msg(c.id, 'y')]);
      expect(res[0]).toEqual({ ok: false, reason: 'not_found' });
      expect(res[1]).toMatchObject({ ok: true, message: { seq: 1 } });
      expect(await db.appendMessages([])).toEqual([]);
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
      expect(winners[0]?.message).toMatchObject({ seq: 1, event: { kind: 'joined' } });
      const lines = (await db.messagesSince(c.id, 0)).filter((m) => m.event?.kind === 'joined');
      expect(lines).toHaveLength(1);
    });

    it('two claimants on two handles: one winner, and the loser sees the winner', async () => {
      const c = await seedBasics(db);
      const b = await other();
      // Both handles have read the queued row first (a cache would now be stale in one of them).
      expect(await db.getConversation(c.id)).toMatchObject({ status: 'queued' });
      expect(await b.getConversation(c.id)).toMatchObject({ status: 'queued' });
      const [ra, rb] = await Promise.all([
        db.claimConversation(c.id, 'a1', SystemLines.joined('A1'), now),
        b.claimConversation(c.id, 'a2', SystemLines.joined('A2'), now),
      ]);
      expect([ra, rb].filter((r) => r !== null)).toHaveLength(1);
      const winner = (ra ?? rb)?.conversation.agentId;
      expect(await db.getConversation(c.id)).toMatchObject({ status: 'assigned', agentId: winner });
      expect(await b.getConversation(c.id)).toMatchObject({ status: 'assigned', agentId: winner });
      expect((await b.messagesSince(c.id, 0)).filter((m) => m.event?.kind === 'joined')).toHaveLength(1);
    });

    it("another handle's writes are seen: appends, claims and transitions", async () => {
      const c = await seedBasics(db);
      await db.appendMessages([msg(c.id, 'k1')]);
      expect(await db.getConversation(c.id)).toMatchObject({ lastSeq: 1 });
      const b = await other();
      await b.appendMessages([msg(c.id, 'o1'), msg(c.id, 'o2')]);
      const [r1, r2] = await db.appendMessages([msg(c.id, 'k2'), msg(c.id, 'k3')]);
      expect(r1).toMatchObject({ ok: true, duplicate: false, message: { seq: 4, cid: 'k2' } });
      expect(r2).toMatchObject({ ok: true, duplicate: false, message: { seq: 5, cid: 'k3' } });
      expect((await db.messagesSince(c.id, 0)).map((m) => `${m.seq}:${m.cid}`)).toEqual([
        '1:k1',
        '2:o1',
        '3:o2',
        '4:k2',
        '5:k3',
      ]);
      const [dup] = await db.appendMessages([msg(c.id, 'o1')]);
      expect(dup).toMatchObject({ ok: true, duplicate: true, message: { seq: 2 } });
      // A claim by the other handle: ours is refused, and then we read the fresh row.
      expect(await b.claimConversation(c.id, 'a2', null, now)).not.toBeNull();
      expect(await db.claimConversation(c.id, 'a1', null, now)).toBeNull();
      expect(await db.getConversation(c.id)).toMatchObject({ status: 'assigned', agentId: 'a2', lastSeq: 5 });
      const r = await db.transitionConversation(c.id, {
        expect: { status: 'assigned', agentId: 'a2' },
        next: { status: 'closed', agentId: 'a2', department: null },
        line: SystemLines.closed(),
        note: null,
        at: now + 1,
      });
      expect(r?.conversation).toMatchObject({ status: 'closed', lastSeq: 6 });
      expect(await db.getConversation(c.id)).toEqual(r?.conversation);
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
      expect(
        await db.transitionConversation('c_missing', {
          expect: { status: 'queued', agentId: null },
          next: { status: 'closed', agentId: null, department: null },
          line: null,
          note: null,
          at: now,
        }),
      ).toBeNull();
      const r = await db.transitionConversation(c.id, {
        expect: { status: 'assigned', agentId: 'a1' },
        next: { status: 'assigned', agentId: 'a2', department: 'Sales' },
        line: SystemLines.transferredToAgent('A2'),
        note: note(c.id, 't1', 'VIP'),
        at: now,
      });
      expect(r?.conversation).toMatchObject({
        status: 'assigned',
        agentId: 'a2',
        department: 'Sales',
        lastSeq: 1,
      });
      expect(r?.message).toMatchObject({ seq: 1, text: 'Transferred to A2', event: { kind: 'transferred' } });
      expect(r?.note).toMatchObject({ text: 'VIP', afterSeq: 1 });
      expect(await db.listNotes(c.id)).toHaveLength(1);
      expect(await db.listAgentConversations('a2')).toHaveLength(1);
      expect((await db.listOpenConversations('demo')).map((x) => x.id)).toEqual([c.id]);
      // Assigned: open, but not waiting.
      expect(await db.listOpenConversations('demo', 'queued')).toEqual([]);
      const closed = await db.transitionConversation(c.id, {
        expect: { status: 'assigned', agentId: 'a2' },
        next: { status: 'closed', agentId: 'a2', department: 'Sales' },
        line: SystemLines.closed(),
        note: null,
        at: now + 5,
      });
      expect(closed?.conversation).toMatchObject({ status: 'closed', closedAt: now + 5, updatedAt: now + 5 });
      expect(await db.listOpenConversations('demo')).toHaveLength(0);
      expect(await db.listAgentConversations('a2')).toHaveLength(0);
      // Reopen (closed → queued) clears closedAt.
      const reopened = await db.transitionConversation(c.id, {
        expect: { status: 'closed', agentId: 'a2' },
        next: { status: 'queued', agentId: null, department: 'Sales' },
        line: null,
        note: null,
        at: now + 6,
      });
      expect(reopened).toMatchObject({
        message: null,
        note: null,
        conversation: { status: 'queued', closedAt: null },
      });
    });

    it('the queue order: created at the back; a transition places it at the front or the back, or leaves it', async () => {
      const c = await seedBasics(db);
      expect(c).toMatchObject({ queuedAt: c.createdAt, queueFront: false });
      // What creating returned is what is stored (another handle reads it from the database).
      expect(await (await other()).getConversation(c.id)).toEqual(c);
      const step = async (
        expectState: { status: 'queued' | 'assigned' | 'closed'; agentId: string | null },
        next: { status: 'queued' | 'assigned' | 'closed'; agentId: string | null },
        at: number,
        queue?: 'front' | 'back',
      ) =>
        (
          await db.transitionConversation(c.id, {
            expect: expectState,
            next: { ...next, department: 'Billing' },
            line: null,
            note: null,
            at,
            ...(queue ? { queue } : {}),
          })
        )?.conversation;
      await db.claimConversation(c.id, 'a1', null, now + 10);
      // A transfer to a department: the front of its queue, since then.
      const moved = await step(
        { status: 'assigned', agentId: 'a1' },
        { status: 'queued', agentId: null },
        now + 20,
        'front',
      );
      expect(moved).toMatchObject({ queuedAt: now + 20, queueFront: true, department: 'Billing' });
      // The queue's places read these fields alone, for the waiting conversations only.
      expect(await db.listQueue('demo')).toEqual([
        { id: c.id, visitorId: c.visitorId, department: 'Billing', queuedAt: now + 20, queueFront: true },
      ]);
      expect(await db.listQueue('other-site')).toEqual([]);
      // A claim and a close leave the queue fields alone.
      expect(await db.claimConversation(c.id, 'a1', null, now + 30)).toMatchObject({
        conversation: { queuedAt: now + 20, queueFront: true },
      });
      expect(await db.listQueue('demo')).toEqual([]);
      expect(
        await step({ status: 'assigned', agentId: 'a1' }, { status: 'closed', agentId: 'a1' }, now + 40),
      ).toMatchObject({
        queuedAt: now + 20,
        queueFront: true,
      });
      // A reopen: the back, like a new conversation.
      const back = await step(
        { status: 'closed', agentId: 'a1' },
        { status: 'queued', agentId: null },
        now + 50,
        'back',
      );
      expect(back).toMatchObject({ queuedAt: now + 50, queueFront: false });
      // Another handle (another process) reads the same.
      expect(await (await other()).getConversation(c.id)).toMatchObject({
        queuedAt: now + 50,
        queueFront: false,
      });
      expect((await db.listOpenConversations('demo'))[0]).toMatchObject({
        queuedAt: now + 50,
        queueFront: false,
      });
      // Back in the queue: among the waiting ones.
      expect((await db.listOpenConversations('demo', 'queued')).map((x) => x.id)).toEqual([c.id]);
      expect(await (await other()).listQueue('demo')).toEqual([
        { id: c.id, visitorId: c.visitorId, department: 'Billing', queuedAt: now + 50, queueFront: false },
      ]);
    });

    it('ratings: one per closed period with its line and event; a resend is a duplicate; open or foreign is refused', async () => {
      const c = await seedBasics(db);
      await db.createWebhook({
        id: 'wh_r',
        siteId: 'demo',
        url: 'http://127.0.0.1:9/h',
        events: ['conversation.rated'],
        secret: 'x',
        active: true,
        createdAt: now,
      });
      const outbox = { 'conversation.rated': ['wh_r'] };
      const rate = (cid: string, score: number, comment: string | null, visitorId = 'v1', at = now + 10) =>
        db.rateConversation({
          conversationId: c.id,
          visitorId,
          sender: `v:${visitorId}`,
          cid,
          score,
          comment,
          line: SystemLines.rated(score, comment),
          at,
          outbox,
        });
      expect(await rate('r1', 5, null)).toEqual({ ok: false, reason: 'not_closed' });
      await db.claimConversation(c.id, 'a1', null, now);
      const close = (at: number) =>
        db.transitionConversation(c.id, {
          expect: { status: 'assigned', agentId: 'a1' },
          next: { status: 'closed', agentId: 'a1', department: null },
          line: SystemLines.closed(),
          note: null,
          at,
        });
      await close(now + 5);
      expect(await rate('r1', 4, null, 'v_other')).toEqual({ ok: false, reason: 'not_found' });
      const first = await rate('r1', 4, 'Quick and kind');
      if (!first.ok) throw new Error(first.reason);
      expect(first.duplicate).toBe(false);
      expect(first.rating).toMatchObject({
        score: 4,
        comment: 'Quick and kind',
        agentId: 'a1',
        closedAt: now + 5,
      });
      expect(first.message).toMatchObject({
        seq: 2,
        cid: 'r1',
        text: 'Rated 4/5: Quick and kind',
        author: { kind: 'system' },
        event: { kind: 'rated', score: 4, comment: 'Quick and kind' },
      });
      expect(first.conversation).toMatchObject({ status: 'closed', lastSeq: 2 });
      // A resend (same cid) from another handle: the same rating and line, nothing new stored.
      const again = await (await other()).rateConversation({
        conversationId: c.id,
        visitorId: 'v1',
        sender: 'v:v1',
        cid: 'r1',
        score: 4,
        comment: 'Quick and kind',
        line: SystemLines.rated(4, 'Quick and kind'),
        at: now + 11,
        outbox,
      });
      expect(again).toMatchObject({
        ok: true,
        duplicate: true,
        rating: { id: first.rating.id },
        message: { id: first.message.id },
      });
      expect(await rate('r2', 1, null)).toEqual({ ok: false, reason: 'already_rated' });
      expect((await db.messagesSince(c.id, 0)).map((m) => m.seq)).toEqual([1, 2]);
      // Reopened and closed again: a new period takes a new rating; the first stays.
      await db.transitionConversation(c.id, {
        expect: { status: 'closed', agentId: 'a1' },
        next: { status: 'queued', agentId: null, department: null },
        line: null,
        note: null,
        at: now + 20,
      });
      expect(await rate('r2', 2, null)).toEqual({ ok: false, reason: 'not_closed' });
      await db.claimConversation(c.id, 'a1', null, now + 21);
      await close(now + 30);
      const second = await rate('r2', 2, null, 'v1', now + 31);
      expect(second).toMatchObject({ ok: true, duplicate: false, rating: { score: 2, closedAt: now + 30 } });
      expect(await rate('r1', 4, 'Quick and kind')).toMatchObject({ ok: true, duplicate: true });
      expect((await (await other()).listRatings(c.id)).map((r) => [r.score, r.closedAt])).toEqual([
        [4, now + 5],
        [2, now + 30],
      ]);
      // Each new rating wrote its event in the same transaction.
      const due = await db.leaseDueDeliveries(now + 100, now + 200, 10);
      expect(due.map((d) => d.type)).toEqual(['conversation.rated', 'conversation.rated']);
    });

    it('proactive messages: per site in creation order, replaced by id, deleted; another handle reads them', async () => {
      await seedBasics(db);
      const rule = (name: string, enabled = true) => ({
        name,
        text: `Hello from ${name} — "quoted" <b>&</b>`,
        department: name === 'b' ? 'Sales' : null,
        trigger: 'page' as const,
        urlPattern: '/pricing*',
        seconds: 20,
        attribute: null,
        value: null,
        enabled,
      });
      await db.putProactive({ id: 'p2', siteId: 'demo', rule: rule('b'), createdAt: now + 1 });
      await db.putProactive({ id: 'p1', siteId: 'demo', rule: rule('a'), createdAt: now });
      expect((await db.listProactive('demo')).map((p) => p.id)).toEqual(['p1', 'p2']);
      expect(await db.listProactive('other-site')).toEqual([]);
      // Replaced by id: the rule changes, its creation time stays.
      await db.putProactive({ id: 'p1', siteId: 'demo', rule: rule('a', false), createdAt: now + 99 });
      const second = await other();
      expect(await second.getProactive('p1')).toEqual({
        id: 'p1',
        siteId: 'demo',
        rule: rule('a', false),
        createdAt: now,
      });
      expect(await db.getProactive('nope')).toBeNull();
      expect(await db.deleteProactive('p1')).toBe(true);
      expect(await db.deleteProactive('p1')).toBe(false);
      expect((await second.listProactive('demo')).map((p) => p.id)).toEqual(['p2']);
    });

    it('canned responses: site-wide and personal, one shortcut per owner, edits and deletes', async () => {
      await seedBasics(db);
      const rec = (id: string, agentId: string | null, shortcut: string, text = shortcut) => ({
        id,
        siteId: 'demo',
        agentId,
        shortcut,
        text,
        createdAt: now,
        updatedAt: now,
      });
      expect(await db.createCanned(rec('c1', null, 'hi', 'Hi {visitor.name}!'))).toBe(true);
      expect(await db.createCanned(rec('c2', null, 'bye'))).toBe(true);
      expect(await db.createCanned(rec('c3', 'a1', 'hi', 'Hey, Ana here'))).toBe(true); // same shortcut, another owner
      expect(await db.createCanned(rec('c4', 'a2', 'ship'))).toBe(true);
      // One shortcut per owner: a second site-wide "hi" is refused and changes nothing.
      expect(await db.createCanned(rec('c5', null, 'hi', 'other'))).toBe(false);
      expect(await db.getCanned('c5')).toBeNull();

      // Site-wide plus the agent's own, by shortcut; another agent's never.
      const forA1 = await db.listCanned('demo', 'a1');
      expect(forA1.map((c) => [c.id, c.agentId])).toEqual([
        ['c2', null],
        ['c1', null],
        ['c3', 'a1'],
      ]);
      expect((await db.listCanned('demo', null)).map((c) => c.id)).toEqual(['c2', 'c1']);
      expect(await db.listCanned('other-site', 'a1')).toEqual([]);
      // Another handle (process) reads what this one wrote.
      const second = await other();
      expect(await second.getCanned('c1')).toEqual({
        ...rec('c1', null, 'hi', 'Hi {visitor.name}!'),
      });

      const edited = await db.updateCanned('c2', { text: 'Goodbye!' }, now + 5);
      expect(edited).toMatchObject({ id: 'c2', shortcut: 'bye', text: 'Goodbye!', updatedAt: now + 5 });
      expect(await db.updateCanned('c2', { shortcut: 'hi' }, now + 6)).toBe('duplicate');
      expect(await db.getCanned('c2')).toMatchObject({ shortcut: 'bye', updatedAt: now + 5 });
      expect(await db.updateCanned('c2', { shortcut: 'farewell' }, now + 7)).toMatchObject({
        shortcut: 'farewell',
        text: 'Goodbye!',
      });
      expect(await db.updateCanned('nope', { text: 'x' }, now)).toBeNull();

      expect(await db.deleteCanned('c3')).toBe(true);
      expect(await db.deleteCanned('c3')).toBe(false);
      expect((await db.listCanned('demo', 'a1')).map((c) => c.id)).toEqual(['c2', 'c1']);
    });

    it('attachments: an upload is bound by its owner to one conversation; messages keep the file; unbound ones expire; deletions take them', async () => {
      const c = await seedBasics(db);
      const c2 = await db.createConversation({
        siteId: 'demo',
        visitorId: 'v1',
        department: null,
        status: 'queued',
        at: now,
      });
      const file = (id: string, owner: string, at: number) => ({
        id,
        siteId: 'demo',
        owner,
        name: `${id} é.png`,
        type: 'image/png' as const,
        size: 120,
        conversationId: null,
        createdAt: at,
      });
      await db.createAttachment(file('f1', 'v:v1', now));
      await db.createAttachment(file('f2', 'v:v1', now - 10));
      await db.createAttachment(file('f3', 'a:a1', now - 5));
      expect(await (await other()).getAttachment('f1')).toEqual(file('f1', 'v:v1', now));
      expect(await db.getAttachment('nope')).toBeNull();
      // Only its owner binds it, to one conversation; binding again to the same one is a resend.
      expect(await db.bindAttachment('f1', 'a:a1', c.id)).toBeNull();
      expect(await db.bindAttachment('f1', 'v:v1', c.id)).toMatchObject({ id: 'f1', conversationId: c.id });
      expect(await db.bindAttachment('f1', 'v:v1', c.id)).toMatchObject({ conversationId: c.id });
      expect(await db.bindAttachment('f1', 'v:v1', c2.id)).toBeNull();
      // A message keeps its file's name, type and size, and reads it back.
      const meta = { id: 'f1', name: 'f1 é.png', type: 'image/png' as const, size: 120 };
      const [r] = await db.appendMessages([{ ...msg(c.id, 'att-1', 'f1 é.png'), attachment: meta }]);
      expect(r?.ok && r.message.attachment).toEqual(meta);
      expect((await (await other()).messagesSince(c.id, 0)).map((m) => m.attachment)).toEqual([meta]);
      expect((await db.findMessageByCid('v:v1', 'att-1'))?.attachment).toEqual(meta);
      // Unbound uploads older than the cut go; bound ones stay.
      expect((await db.deleteUnboundAttachments(now, 10)).sort()).toEqual(['f2', 'f3']);
      expect(await db.deleteUnboundAttachments(now, 10)).toEqual([]);
      expect(await db.getAttachment('f2')).toBeNull();
      expect([...(await db.existingAttachments(['f1', 'f2', 'f3', 'zz']))]).toEqual(['f1']);
      // Erasing the visitor takes their conversations' files with them.
      await db.deleteVisitor('v1', now + 1);
      expect(await db.getAttachment('f1')).toBeNull();
      expect((await db.existingAttachments(['f1'])).size).toBe(0);
    });

    it('blocked visitors: one block per visitor, listed per site, newest first; unblocking removes it', async () => {
      await seedBasics(db);
      await db.createVisitor(visitorRecord('v2', now));
      const block = (visitorId: string, at: number, reason: string | null = null) => ({
        visitorId,
        siteId: 'demo',
        by: 'a1',
        reason,
        createdAt: at,
      });
      expect(await db.getBlock('v1')).toBeNull();
      expect(await db.blockVisitor(block('v1', now, 'spam'))).toBe(true);
      expect(await db.blockVisitor(block('v1', now + 9, 'again'))).toBe(false); // the first block stays
      expect(await db.blockVisitor(block('v2', now + 1))).toBe(true);
      expect(await (await other()).getBlock('v1')).toEqual(block('v1', now, 'spam'));
      expect((await db.listBlocks('demo')).map((b) => b.visitorId)).toEqual(['v2', 'v1']);
      expect(await db.listBlocks('elsewhere')).toEqual([]);
      expect(await db.unblockVisitor('v1')).toBe(true);
      expect(await db.unblockVisitor('v1')).toBe(false);
      expect(await db.getBlock('v1')).toBeNull();
      expect((await db.listBlocks('demo')).map((b) => b.visitorId)).toEqual(['v2']);
    });

    it('audit log: newest first per site, (at, id) cursor pages, details kept as given', async () => {
      await seedBasics(db);
      const entry = (id: string, at: number, siteId = 'demo') => ({
        id,
        siteId,
        actorId: 'a1',
        actorName: 'A1',
        action: 'site.updated',
        target: id === 'e1' ? null : `t-${id}`,
        details: { title: `Hé ${id} 🎁`, nested: { n: 1 } },
        at,
      });
      await db.addAudit(entry('e1', now));
      await db.addAudit(entry('e2', now + 5));
      await db.addAudit(entry('e3', now + 5));
      await db.addAudit(entry('e4', now + 9));
      await db.createSite({ ...((await db.getSite('demo')) as SiteRecord), id: 'other' });
      await db.addAudit(entry('x1', now + 20, 'other'));
      const b = await other();
      const first = await b.listAudit('demo', null, 2);
      expect(first.map((e) => e.id)).toEqual(['e4', 'e3']);
      const last = first.at(-1) as { at: number; id: string };
      expect((await b.listAudit('demo', { at: last.at, id: last.id }, 10)).map((e) => e.id)).toEqual([
        'e2',
        'e1',
      ]);
      expect(await b.listAudit('demo', { at: now, id: 'e1' }, 10)).toEqual([]);
      expect((await b.listAudit('demo', null, 10)).at(-1)).toEqual(entry('e1', now));
      expect((await b.listAudit('other', null, 10)).map((e) => e.id)).toEqual(['x1']);
    });

    it('refresh sessions: rotated by compare-and-set (one of two racing wins), revoked, expired ones removed', async () => {
      const rec = {
        id: 'rs1',
        accountId: 'a1',
        siteId: 'demo',
        tokenHash: 'h0',
        previousHash: null,
        rotatedAt: null,
        tokenVersion: 3,
        role: 'agent' as const,
        createdAt: now,
        expiresAt: now + 1000,
        revokedAt: null,
      };
      await db.createRefreshSession(rec);
      await db.createRefreshSession({ ...rec, id: 'rs2', expiresAt: now + 10 });
      await expect(db.createRefreshSession(rec)).rejects.toThrow();
      const b = await other();
      expect(await b.getRefreshSession('rs1')).toEqual(rec);
      expect(await b.getRefreshSession('nope')).toBeNull();
      const race = await Promise.all([
        db.rotateRefreshSession('rs1', 'h0', 'h1', now + 1, now + 2000),
        b.rotateRefreshSession('rs1', 'h0', 'h1b', now + 1, now + 2000),
      ]);
      expect(race.filter(Boolean)).toHaveLength(1);
      const rotated = await db.getRefreshSession('rs1');
      expect(rotated).toMatchObject({ previousHash: 'h0', rotatedAt: now + 1, expiresAt: now + 2000 });
      expect(['h1', 'h1b']).toContain(rotated?.tokenHash);
      await b.revokeRefreshSession('rs1', now + 5);
      expect((await db.getRefreshSession('rs1'))?.revokedAt).toBe(now + 5);
      expect(await db.rotateRefreshSession('rs1', rotated?.tokenHash ?? '', 'h2', now + 6, now + 3000)).toBe(
        false,
      );
      expect(await db.deleteExpiredRefreshSessions(now + 500)).toBe(1);
      expect(await db.getRefreshSession('rs2')).toBeNull();
      expect(await db.getRefreshSession('rs1')).not.toBeNull();
    });

    it('deleteVisitor erases the visitor and everything about them in one go; others stay', async () => {
      const c1 = await seedBasics(db);
      await db.createWebhook({
        id: 'wh_p',
        siteId: 'demo',
        url: 'http://127.0.0.1:9/h',
        events: ['message.created', 'visitor.deleted'],
        secret: 'x',
        active: true,
        createdAt: now,
      });
      const outbox = { 'message.created': ['wh_p'], 'visitor.deleted': ['wh_p'] };
      await db.updateVisitor('v1', { name: 'Zelda Quist', email: 'zelda@shop.test' });
      await db.appendMessages([{ ...msg(c1.id, 'p1', 'my parcel pomegranate'), outbox }]);
      await db.addNote(note(c1.id, 'n1', 'pomegranate again'));
      await db.claimConversation(c1.id, 'a1', null, now);
      await db.transitionConversation(c1.id, {
        expect: { status: 'assigned', agentId: 'a1' },
        next: { status: 'closed', agentId: 'a1', department: null },
        line: SystemLines.closed(),
        note: null,
        at: now + 5,
      });
      await db.rateConversation({
        conversationId: c1.id,
        visitorId: 'v1',
        sender: 'v:v1',
        cid: 'r1',
        score: 5,
        comment: null,
        line: SystemLines.rated(5, null),
        at: now + 6,
      });
      const c1b = await db.createConversation({
        siteId: 'demo',
        visitorId: 'v1',
        department: null,
        status: 'queued',
        at: now + 7,
      });
      await db.appendMessages([msg(c1b.id, 'p2', 'second pomegranate')]);
      await db.putVisit({
        visitorId: 'v1',
        siteId: 'demo',
        pages: [{ url: 'https://shop.example/', title: 'Home', at: now }],
        referrer: null,
        userAgent: null,
        tzOffset: null,
        locale: null,
        updatedAt: now,
      });
      await db.blockVisitor({ visitorId: 'v1', siteId: 'demo', by: 'a1', reason: null, createdAt: now });
      // Another visitor, who must not lose anything.
      await db.createVisitor(visitorRecord('v2', now, { name: 'Zelda Other' }));
      const c2 = await db.createConversation({
        siteId: 'demo',
        visitorId: 'v2',
        department: null,
        status: 'queued',
        at: now,
      });
      await db.appendMessages([
        { ...msg(c2.id, null, 'pomegranate for v2'), sender: 'v:v2', cid: 'q1', outbox },
      ]);
      await db.addNote(note(c2.id, 'n2'));
      const search = async (q: string) =>
        (await db.searchConversations(['demo'], q, null, 10)).map((h) => h.conversation.id).sort();
      expect(await search('pomegranate')).toEqual([c1.id, c1b.id, c2.id].sort());

      const deleted = await db.deleteVisitor('v1', now + 100, outbox);
      expect(deleted).toEqual({ conversationIds: [c1.id, c1b.id], messages: 4 }); // p1, closed, rated; p2
      for (const h of [db, await other()]) {
        expect(await h.getVisitor('v1')).toBeNull();
        expect(await h.getConversation(c1.id)).toBeNull();
        expect(await h.getConversation(c1b.id)).toBeNull();
        expect(await h.messagesSince(c1.id, 0)).toEqual([]);
        expect(await h.listNotes(c1.id)).toEqual([]);
        expect(await h.listRatings(c1.id)).toEqual([]);
        expect(await h.getVisit('v1')).toBeNull();
        expect(await h.getBlock('v1')).toBeNull();
        expect(await h.listVisitorConversations('v1', 10)).toEqual([]);
      }
      expect(await search('pomegranate')).toEqual([c2.id]);
      expect(await search('zelda')).toEqual([c2.id]);
      // The events carrying v1's text went with their deliveries; v2's stays; the erasure is announced.
      const deliveries = await db.listDeliveries('wh_p', 10);
      expect(deliveries.map((d) => d.type).sort()).toEqual(['message.created', 'visitor.deleted']);
      const due = await db.leaseDueDeliveries(now + 200, now + 300, 10);
      const erased = due.find((d) => d.type === 'visitor.deleted');
      expect(JSON.parse(erased?.data ?? 'null')).toEqual({
        visitor: { id: 'v1', externalId: null },
        conversations: [{ id: c1.id }, { id: c1b.id }],
      });
      expect(JSON.parse(due.find((d) => d.type === 'message.created')?.data ?? 'null')).toMatchObject({
        message: { text: 'pomegranate for v2' },
      });
      // v2 is whole.
      expect((await db.messagesSince(c2.id, 0)).map((m) => m.text)).toEqual(['pomegranate for v2']);
      expect(await db.listNotes(c2.id)).toHaveLength(1);
      expect(await db.getVisitor('v2')).toMatchObject({ name: 'Zelda Other' });
      // Gone is gone: a second erasure finds nothing and writes nothing.
      expect(await db.deleteVisitor('v1', now + 200, outbox)).toBeNull();
      expect(await db.listDeliveries('wh_p', 10)).toHaveLength(2);
      // The visitor's id may come back as a new visitor (a new session after erasure).
      await db.createVisitor(visitorRecord('v1', now + 300));
      expect(await db.listVisitorConversations('v1', 1)).toEqual([]);
    });

    it('deleteClosedConversations (retention): only closed before the cutoff, oldest first, bounded', async () => {
      const open = await seedBasics(db);
      expect((await db.getSite('demo'))?.retentionDays).toBeNull();
      expect((await db.updateSite('demo', { retentionDays: 30 }))?.retentionDays).toBe(30);
      expect((await (await other()).getSite('demo'))?.retentionDays).toBe(30);
      expect((await db.updateSite('demo', { name: 'Renamed' }))?.retentionDays).toBe(30);
      expect((await db.updateSite('demo', { retentionDays: null }))?.retentionDays).toBeNull();
      const closedAt = async (at: number, site = 'demo'): Promise<string> => {
        const c = await db.createConversation({
          siteId: site,
          visitorId: 'v1',
          department: null,
          status: 'queued',
          at,
        });
        await db.appendMessages([msg(c.id, `m-${c.id}`, `retained ${at}`)]);
        await db.claimConversation(c.id, 'a1', null, at);
        await db.transitionConversation(c.id, {
          expect: { status: 'assigned', agentId: 'a1' },
          next: { status: 'closed', agentId: 'a1', department: null },
          line: SystemLines.closed(),
          note: null,
          at,
        });
        return c.id;
      };
      const old1 = await closedAt(now + 10);
      const old2 = await closedAt(now + 20);
      const recent = await closedAt(now + 100);
      await db.createSite({ ...(await db.getSite('demo'))!, id: 'other', createdAt: now } as SiteRecord);
      const elsewhere = await closedAt(now + 10, 'other');
      await db.appendMessages([msg(open.id, 'still-open')]);

      expect(await db.deleteClosedConversations('demo', now + 50, 1)).toEqual([old1]);
      expect(await db.deleteClosedConversations('demo', now + 50, 10)).toEqual([old2]);
      expect(await db.deleteClosedConversations('demo', now + 50, 10)).toEqual([]);
      const b = await other();
      for (const id of [old1, old2]) {
        expect(await b.getConversation(id)).toBeNull();
        expect(await b.messagesSince(id, 0)).toEqual([]);
      }
      for (const id of [recent, elsewhere, open.id]) expect(await b.getConversation(id)).not.toBeNull();
      expect(await b.messagesSince(recent, 0)).toHaveLength(2);
      expect(await b.getVisitor('v1')).not.toBeNull();
      expect(
        (await db.searchConversations(['demo'], 'retained', null, 10)).map((h) => h.conversation.id),
      ).toEqual([recent]);
    });

    it('visits: one per visitor, replaced whole, pages kept in order with their unicode', async () => {
      await seedBasics(db);
      expect(await db.getVisit('v1')).toBeNull();
      const first = {
        visitorId: 'v1',
        siteId: 'demo',
        pages: [
          { url: 'https://shop.example/', title: 'Home', at: now },
          { url: 'https://shop.example/p/café', title: 'Café crème — 250 g 🎁', at: now + 5 },
        ],
        referrer: 'https://search.example/?q=coffee',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0',
        tzOffset: -300,
        locale: 'pt-BR',
        updatedAt: now + 5,
      };
      await db.putVisit(first);
      expect(await (await other()).getVisit('v1')).toEqual(first);
      const second = {
        ...first,
        pages: [{ url: 'https://shop.example/cart', title: '', at: now + 60 }],
        referrer: null,
        userAgent: null,
        tzOffset: null,
        locale: null,
        updatedAt: now + 60,
      };
      await db.putVisit(second);
      expect(await db.getVisit('v1')).toEqual(second);
      expect(await db.getVisit('nobody')).toBeNull();
    });

    it('site reports: counts, first response, wait and handle time, ratings — filtered by range, agent and department', async () => {
      const c1 = await seedBasics(db);
      const c2 = await db.createConversation({
        siteId: 'demo',
        visitorId: 'v1',
        department: 'Sales',
        status: 'queued',
        at: now + 100,
      });
      await db.createConversation({
        siteId: 'demo',
        visitorId: 'v1',
        department: null,
        status: 'queued',
        at: now + 99_999,
      });
      await db.claimConversation(c1.id, 'a1', SystemLines.joined('A1'), now + 1000);
      await db.appendMessages([
        {
          conversationId: c1.id,
          sender: 'v:v1',
          cid: 'x1',
          text: 'hi',
          author: { kind: 'visitor', id: 'v1', name: 'V' },
          at: now + 2000,
        },
        {
          conversationId: c1.id,
          sender: 'a:a1',
          cid: 'x2',
          text: 'hello',
          author: { kind: 'agent', id: 'a1', name: 'A1' },
          at: now + 3000,
        },
        {
          conversationId: c1.id,
          sender: 'a:a1',
          cid: 'x3',
          text: 'more',
          author: { kind: 'agent', id: 'a1', name: 'A1' },
          at: now + 4000,
        },
      ]);
      await db.transitionConversation(c1.id, {
        expect: { status: 'assigned', agentId: 'a1' },
        next: { status: 'closed', agentId: 'a1', department: null },
        line: SystemLines.closed(),
        note: null,
        at: now + 10_000,
      });
      await db.rateConversation({
        conversationId: c1.id,
        visitorId: 'v1',
        sender: 'v:v1',
        cid: 'r1',
        score: 4,
        comment: null,
        line: SystemLines.rated(4, null),
        at: now + 11_000,
      });
      const all = await (await other()).siteReport({
        siteId: 'demo',
        from: now,
        to: now + 50_000,
        agentId: null,
        department: null,
      });
      expect(all).toEqual({
        conversations: 2,
        closed: 1,
        firstResponseMs: 3000,
        waitMs: 1000,
        handleMs: 10_000,
        ratings: [0, 0, 0, 1, 0],
      });
      expect(
        await db.siteReport({ siteId: 'demo', from: now, to: now + 50_000, agentId: 'a2', department: null }),
      ).toEqual({
        conversations: 0,
        closed: 0,
        firstResponseMs: null,
        waitMs: null,
        handleMs: null,
        ratings: [0, 0, 0, 0, 0],
      });
      expect(
        await db.siteReport({
          siteId: 'demo',
          from: now,
          to: now + 50_000,
          agentId: null,
          department: 'Sales',
        }),
      ).toMatchObject({
        conversations: 1,
        closed: 0,
        firstResponseMs: null,
        ratings: [0, 0, 0, 0, 0],
      });
      expect(
        (
          await db.siteReport({
            siteId: 'demo',
            from: now + 50_000,
            to: now + 200_000,
            agentId: null,
            department: null,
          })
        ).conversations,
      ).toBe(1);
      expect(
        (await db.siteReport({ siteId: 'other', from: 0, to: now * 2, agentId: null, department: null }))
          .conversations,
      ).toBe(0);
      expect(c2.id).not.toBe(c1.id);
    });

    it('concurrent transitions with the same expectation: one applies', async () => {
      const c = await seedBasics(db);
      const b = await other();
      await db.claimConversation(c.id, 'a1', null, now);
      const input = (to: string) => ({
        expect: { status: 'assigned' as const, agentId: 'a1' },
        next: { status: 'assigned' as const, agentId: to, department: null },
        line: SystemLines.transferredToAgent(to),
        note: null,
        at: now,
      });
      const rs = await Promise.all([
        db.transitionConversation(c.id, input('a2')),
        b.transitionConversation(c.id, input('a3')),
        db.transitionConversation(c.id, input('a4')),
      ]);
      expect(rs.filter((r) => r !== null)).toHaveLength(1);
      expect((await b.messagesSince(c.id, 0)).map((m) => m.seq)).toEqual([1]);
    });

    it('exclusive sections on one key never overlap, across handles; other keys run alongside', async () => {
      const w = await writer();
      const log: string[] = [];
      let inside = 0;
      let maxInside = 0;
      const section = (s: Storage, key: string, tag: string) =>
        s.exclusive(key, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          log.push(`${tag}+`);
          // Yield to the event loop (and other handles' queries) while holding the lock.
          await s.getSetting('nothing');
          await s.getSetting('nothing');
          log.push(`${tag}-`);
          inside--;
          return tag;
        });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => section(i % 2 === 0 ? db : w, 'visitor:v1', `s${i}`)),
      );
      expect(results).toEqual(Array.from({ length: 8 }, (_, i) => `s${i}`));
      expect(maxInside).toBe(1);
      for (let i = 0; i < log.length; i += 2) expect(log[i]?.slice(0, -1)).toBe(log[i + 1]?.slice(0, -1));
      // A failing section releases the lock and reports its error.
      await expect(
        db.exclusive('visitor:v1', async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await expect(w.exclusive('visitor:v1', async () => 'after')).resolves.toBe('after');
    });

    it('read cursors only move forward and never past lastSeq', async () => {
      const c = await seedBasics(db);
      await db.appendMessages([msg(c.id, '1'), msg(c.id, '2'), msg(c.id, '3')]);
      expect(await db.setReadSeq(c.id, 'visitor', 2)).toBe(2);
      // Backwards or unchanged: nothing moves, nothing is written (null).
      expect(await db.setReadSeq(c.id, 'visitor', 1)).toBeNull();
      expect(await db.setReadSeq(c.id, 'visitor', 2)).toBeNull();
      expect(await db.setReadSeq(c.id, 'agent', 99)).toBe(3);
      expect(await db.setReadSeq(c.id, 'agent', 99)).toBeNull();
      expect(await db.setReadSeq(c.id, 'agent', 0)).toBeNull();
      expect(await db.setReadSeq('c_nope', 'agent', 1)).toBeNull();
      expect(await db.getConversation(c.id)).toMatchObject({
        visitorReadSeq: 2,
        agentReadSeq: 3,
        lastSeq: 3,
      });
      const b = await other();
      expect(await b.getConversation(c.id)).toMatchObject({ visitorReadSeq: 2, agentReadSeq: 3 });
    });

    it('notes are idempotent by (sender, cid) and remember the seq they follow', async () => {
      const c = await seedBasics(db);
      await db.appendMessages([msg(c.id, 'm1'), msg(c.id, 'm2')]);
      const a = await db.addNote(note(c.id, 'n1', 'x'));
      expect(a).toMatchObject({ duplicate: false, note: { text: 'x', afterSeq: 2, author: { id: 'a1' } } });
      const b = await db.addNote(note(c.id, 'n1', 'y'));
      expect(b).toEqual({ note: a.note, duplicate: true });
      await db.addNote(note(c.id, null, 'no cid'));
      await db.addNote(note(c.id, null, 'no cid'));
      expect((await db.listNotes(c.id)).map((n) => n.text)).toEqual(['x', 'no cid', 'no cid']);
    });

    it("a transition's note with a (sender, cid) already stored is not stored again; the transition is", async () => {
      // Found by the fuzz test: a transfer retried with its cid failed with a unique-constraint error.
      const c = await seedBasics(db);
      await db.claimConversation(c.id, 'a1', null, now);
      await db.addNote(note(c.id, 'n1', 'first'));
      const r = await db.transitionConversation(c.id, {
        expect: { status: 'assigned', agentId: 'a1' },
        next: { status: 'queued', agentId: null, department: 'Sales' },
        line: SystemLines.transferredToDepartment('Sales'),
        note: note(c.id, 'n1', 'again'),
        at: now,
      });
      expect(r?.conversation).toMatchObject({ status: 'queued', department: 'Sales' });
      expect(r?.note).toBeNull();
      expect((await db.listNotes(c.id)).map((n) => n.text)).toEqual(['first']);
    });

    it('settings: absent → null, set, overwrite, seen by another handle', async () => {
      expect(await db.getSetting('k')).toBeNull();
      await db.setSetting('k', 'v1');
      await db.setSetting('k', 'v2');
      expect(await db.getSetting('k')).toBe('v2');
      const b = await other();
      expect(await b.getSetting('k')).toBe('v2');
    });

    it('everything persists across closing and reopening; migrations run once', async () => {
      expect(await db.isEmpty()).toBe(true);
      const c = await seedBasics(db);
      await db.appendMessages([msg(c.id, 'p1', 'persist me')]);
      await db.setSetting('k', 'v');
      await db.close();
      handles = handles.filter((h) => h !== db);
      db = await other();
      expect(await db.getSetting('k')).toBe('v');
      expect(await db.isEmpty()).toBe(false);
      expect((await db.messagesSince(c.id, 0)).map((m) => m.text)).toEqual(['persist me']);
      const [next] = await db.appendMessages([msg(c.id, 'p2')]);
      expect(next).toMatchObject({ ok: true, message: { seq: 2 } });
    });

    it('visitors: create, get, find by (site, external id), update; unknown → null', async () => {
      const c = await seedBasics(db);
      expect(await db.getVisitor('v1')).toMatchObject({ id: 'v1', verified: false, attributes: {} });
      expect(await db.getVisitor('nope')).toBeNull();
      expect(await db.findVisitorByExternalId('demo', 'u1')).toBeNull();
      const updated = await db.updateVisitor('v1', {
        externalId: 'u1',
        verified: true,
        name: 'Jo',
        attributes: { plan: 'pro' },
        lastSeenAt: now + 9,
      });
      expect(updated).toMatchObject({
        id: 'v1',
        externalId: 'u1',
        verified: true,
        name: 'Jo',
        lastSeenAt: now + 9,
      });
      expect(await db.findVisitorByExternalId('demo', 'u1')).toMatchObject({
        id: 'v1',
        verified: true,
        name: 'Jo',
        attributes: { plan: 'pro' },
      });
      expect(await db.updateVisitor('nope', { name: 'x' })).toBeNull();
      expect((await db.listVisitorConversations('v1', 10)).map((x) => x.id)).toEqual([c.id]);
      await expect(db.createVisitor(visitorRecord('v1', now))).rejects.toThrow();
    });

    it("a visitor's conversations: newest first, limited, empty for a new visitor", async () => {
      const c1 = await seedBasics(db);
      const make = (at: number) =>
        db.createConversation({ siteId: 'demo', visitorId: 'v1', department: null, status: 'queued', at });
      const c2 = await make(now + 5);
      const c3 = await make(now + 5);
      expect((await db.listVisitorConversations('v1', 1))[0]?.id).toBe([c2.id, c3.id].sort().at(-1));
      const b = await writer();
      expect((await db.listVisitorConversations('v1', 5)).map((c) => c.id)).toEqual(
        (await b.listVisitorConversations('v1', 5)).map((c) => c.id),
      );
      expect((await b.listVisitorConversations('v1', 5)).map((c) => c.id).sort()).toEqual(
        [c1.id, c2.id, c3.id].sort(),
      );
      // A conversation the other handle creates is the newest for us too.
      const c4 = await b.createConversation({
        siteId: 'demo',
        visitorId: 'v1',
        department: 'Sales',
        status: 'queued',
        at: now + 10,
      });
      expect((await db.listVisitorConversations('v1', 1)).map((c) => c.id)).toEqual([c4.id]);
      await db.createVisitor(visitorRecord('v2', now));
      expect(await db.listVisitorConversations('v2', 20)).toEqual([]);
      expect(await db.getConversation('c_nope')).toBeNull();
    });

    it('row creations requested together all land; a failing one does not fail the others', async () => {
      const c = await seedBasics(db);
      const settled = await Promise.allSettled([
        db.createVisitor(visitorRecord('v7', now)),
        db.createVisitor(visitorRecord('v1', now)), // duplicate primary key
        db.createVisitor(visitorRecord('v8', now)),
        db.createConversation({
          siteId: 'demo',
          visitorId: 'v1',
          department: null,
          status: 'queued',
          at: now,
        }),
      ]);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const b = await other();
      expect(await b.getVisitor('v7')).toMatchObject({ id: 'v7' });
      expect(await b.getVisitor('v8')).toMatchObject({ id: 'v8' });
      const convs = await b.listVisitorConversations('v1', 10);
      expect(convs.map((x) => x.id)).toContain(c.id);
      expect(convs).toHaveLength(2);
    });

    it('sites: create, get, partial updates, hours stored and removed, unknown → null', async () => {
      await seedBasics(db);
      expect(await db.getSite('demo')).toMatchObject({
        id: 'demo',
        allowedOrigins: ['http://localhost:*'],
        departments: ['Sales'],
        businessHours: null,
        createdAt: now,
      });
      expect(await db.getSite('nope')).toBeNull();
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
      // Routing modes: the site's and per department, kept apart and read back by another handle.
      expect((await db.getSite('demo'))?.departmentAssignment).toEqual({});
      await db.updateSite('demo', { assignment: 'auto', departmentAssignment: { A: 'manual' } });
      expect(await (await other()).getSite('demo')).toMatchObject({
        assignment: 'auto',
        departmentAssignment: { A: 'manual' },
        departments: ['A', 'B'],
      });
      expect((await db.updateSite('demo', { title: 'Kept' }))?.departmentAssignment).toEqual({ A: 'manual' });
    });

    it('agents: by id, by email (case-insensitive), listed by name; emails are unique', async () => {
      await seedBasics(db);
      expect(await db.getAgent('a1', 'demo')).toMatchObject({
        id: 'a1',
        siteId: 'demo',
        role: 'agent',
        email: 'a1@x.test',
        active: true,
        departments: [],
        maxChats: null,
        tokenVersion: 0,
      });
      expect(await db.getAgent('nope', 'demo')).toBeNull();
      expect(await db.getAccountByEmail('A2@X.test')).toMatchObject({ id: 'a2' });
      expect(await db.getAccountByEmail('nobody@x.test')).toBeNull();
      expect((await db.listAgents('demo')).map((a) => a.name)).toEqual(['A1', 'A2', 'A3', 'A4']);
      await expect(
        db.createAgent({
          id: 'a9',
          siteId: 'demo',
          email: 'A1@x.test',
          name: 'dup',
          role: 'admin',
          passwordHash: 'x',
          createdAt: now,
        }),
      ).rejects.toThrow();
    });

    it('accounts: the digest of left messages is on by default, switched per account, seen by every read', async () => {
      await seedBasics(db);
      expect(await db.getAgent('a1', 'demo')).toMatchObject({ mailLeftMessages: true });
      expect(await db.updateAccount('a1', { mailLeftMessages: false })).toMatchObject({
        mailLeftMessages: false,
        name: 'A1',
      });
      // Another patch leaves it alone.
      expect(await db.updateAccount('a1', { name: 'Ana' })).toMatchObject({ mailLeftMessages: false });
      expect(await db.getAccount('a1')).toMatchObject({ mailLeftMessages: false });
      expect((await db.listAgents('demo')).map((a) => [a.id, a.mailLeftMessages])).toEqual([
        ['a2', true],
        ['a3', true],
        ['a4', true],
        ['a1', false],
      ]);
      expect(await db.updateAccount('a1', { mailLeftMessages: true })).toMatchObject({
        mailLeftMessages: true,
      });
    });

    it('sites: listed by id; name and origins patched; a secret rotation keeps the previous one with its deadline', async () => {
      await seedBasics(db);
      const second = { ...(await db.getSite('demo')), id: 'b-shop', name: 'B' } as SiteRecord;
      expect(await db.createSite(second)).toBe(true);
      expect((await db.listSites()).map((x) => x.id)).toEqual(['b-shop', 'demo']);
      expect(
        await db.updateSite('demo', { name: 'Renamed', allowedOrigins: ['https://a.test'] }),
      ).toMatchObject({
        name: 'Renamed',
        allowedOrigins: ['https://a.test'],
        title: 't',
      });
      const rotated = await db.rotateSiteSecret('demo', 'new-secret', now + 1000);
      expect(rotated).toMatchObject({
        secret: 'new-secret',
        previousSecret: 's',
        previousSecretUntil: now + 1000,
      });
      expect(await (await other()).getSite('demo')).toMatchObject({
        secret: 'new-secret',
        previousSecret: 's',
      });
      expect(await db.rotateSiteSecret('nope', 'x', now)).toBeNull();
    });

    it('first-run setup: site and admin in one transaction, refused once a site exists', async () => {
      const site = {
        id: 'first',
        name: 'F',
        secret: 's',
        allowedOrigins: ['https://f.test'],
        departments: [],
        color: '#000',
        title: 't',
        greeting: 'g',
        createdAt: now,
      };
      const admin = {
        id: 'ad1',
        siteId: 'first',
        email: 'ad@f.test',
        name: 'Ad',
        role: 'admin' as const,
        passwordHash: 'h',
        createdAt: now,
      };
      expect(await db.createSite(site, [admin], true)).toBe(true);
      expect(await db.getAgent('ad1', 'first')).toMatchObject({ role: 'admin', active: true });
      // Nothing of the second attempt is written, not even its agent.
      expect(
        await db.createSite(
          { ...site, id: 'second' },
          [{ ...admin, id: 'ad2', siteId: 'second', email: 'x@f.test' }],
          true,
        ),
      ).toBe(false);
      expect(await db.getSite('second')).toBeNull();
      expect(await db.getAccount('ad2')).toBeNull();
      // A taken email fails the whole creation.
      await expect(
        db.createSite({ ...site, id: 'third' }, [{ ...admin, id: 'ad3', siteId: 'third' }]),
      ).rejects.toThrow();
      expect(await db.getSite('third')).toBeNull();
    });

    it('memberships: one account in two sites with a role each; patched; deactivated members stay listed', async () => {
      await seedBasics(db);
      await db.createSite({ ...((await db.getSite('demo')) as SiteRecord), id: 'other', name: 'O' });
      await db.addMembership({
        agentId: 'a1',
        siteId: 'other',
        role: 'admin',
        active: true,
        departments: ['X'],
        maxChats: 3,
        createdAt: now,
      });
      await expect(
        db.addMembership({
          agentId: 'a1',
          siteId: 'other',
          role: 'agent',
          active: true,
          departments: [],
          maxChats: null,
          createdAt: now,
        }),
      ).rejects.toThrow();
      expect((await db.listMemberships('a1')).map((m) => [m.siteId, m.role])).toEqual([
        ['demo', 'agent'],
        ['other', 'admin'],
      ]);
      expect(await db.getAgent('a1', 'other')).toMatchObject({
        role: 'admin',
        departments: ['X'],
        maxChats: 3,
      });
      const patched = await db.updateMembership('a1', 'demo', { active: false, maxChats: 2 });
      expect(patched).toMatchObject({ active: false, maxChats: 2, role: 'agent', departments: [] });
      expect(await (await other()).getAgent('a1', 'other')).toMatchObject({ active: true });
      expect((await db.updateMembership('a1', 'demo', { maxChats: null }))?.maxChats).toBeNull();
      expect(await db.updateMembership('a1', 'nope', { active: false })).toBeNull();
      expect((await db.listAgents('demo')).map((a) => [a.id, a.active])).toEqual([
        ['a1', false],
        ['a2', true],
        ['a3', true],
        ['a4', true],
      ]);
      expect((await db.listAgents('other')).map((a) => a.id)).toEqual(['a1']);
    });

    it('accounts: renamed, password set, token version bumped; seen in every membership', async () => {
      await seedBasics(db);
      const after = await db.updateAccount('a2', { name: 'Bee', passwordHash: 'h2', bumpTokenVersion: true });
      expect(after).toMatchObject({ name: 'Bee', passwordHash: 'h2', tokenVersion: 1 });
      expect(await db.updateAccount('a2', { name: 'Bea' })).toMatchObject({
        name: 'Bea',
        passwordHash: 'h2',
        tokenVersion: 1,
      });
      expect(await (await other()).getAgent('a2', 'demo')).toMatchObject({ name: 'Bea', tokenVersion: 1 });
      expect(await db.updateAccount('nope', { name: 'x' })).toBeNull();
    });

    it('invitations: used once, not after they expire; the account gets its name and password with the use', async () => {
      await seedBasics(db);
      await db.createAgent({
        id: 'inv',
        siteId: 'demo',
        email: 'inv@x.test',
        name: 'Invited',
        role: 'agent',
        passwordHash: '',
        createdAt: now,
      });
      await db.createInvitation({
        tokenHash: 'h-ok',
        siteId: 'demo',
        agentId: 'inv',
        expiresAt: now + 1000,
        usedAt: null,
        createdAt: now,
      });
      await db.createInvitation({
        tokenHash: 'h-old',
        siteId: 'demo',
        agentId: 'inv',
        expiresAt: now - 1,
        usedAt: null,
        createdAt: now,
      });
      expect(await db.getInvitation('h-ok')).toMatchObject({
        agentId: 'inv',
        usedAt: null,
        expiresAt: now + 1000,
      });
      expect(await db.acceptInvitation('h-old', now, { name: 'N', passwordHash: 'p' })).toBeNull();
      expect(await db.getAccount('inv')).toMatchObject({ passwordHash: '' });
      expect(await db.acceptInvitation('h-ok', now, { name: 'Ivy', passwordHash: 'p' })).toMatchObject({
        id: 'inv',
        siteId: 'demo',
        name: 'Ivy',
        passwordHash: 'p',
      });
      expect(
        await (await other()).acceptInvitation('h-ok', now, { name: 'Again', passwordHash: 'q' }),
      ).toBeNull();
      expect(await db.getAccount('inv')).toMatchObject({ name: 'Ivy', passwordHash: 'p' });
      expect((await db.getInvitation('h-ok'))?.usedAt).toBe(now);
      expect(await db.acceptInvitation('nope', now, { name: 'N', passwordHash: 'p' })).toBeNull();
    });

    it("an agent's password hash is replaced compare-and-set, seen by another handle", async () => {
      await seedBasics(db);
      expect(await db.updateAgentPasswordHash('a1', 'x', 'scrypt$new')).toBe(true);
      expect((await (await other()).getAccount('a1'))?.passwordHash).toBe('scrypt$new');
      // The hash changed meanwhile, or no such agent: nothing is written.
      expect(await db.updateAgentPasswordHash('a1', 'x', 'scrypt$stale')).toBe(false);
      expect(await db.updateAgentPasswordHash('nope', 'x', 'scrypt$y')).toBe(false);
      expect((await db.getAccount('a1'))?.passwordHash).toBe('scrypt$new');
      expect((await db.getAgent('a2', 'demo'))?.passwordHash).toBe('x');
    });

    it('webhooks: stored, listed, patched; events and deliveries written with the change that makes them', async () => {
      const c0 = await seedBasics(db);
      const hook = (id: string, active = true) => ({
        id,
        siteId: 'demo',
        url: `https://hooks.test/${id}`,
        events: [
          'message.created',
          'conversation.created',
          'conversation.assigned',
          'conversation.closed',
        ] as const,
        secret: `secret-${id}`,
        active,
        createdAt: now,
      });
      await db.createWebhook({ ...hook('w1'), events: [...hook('w1').events] });
      await db.createWebhook({ ...hook('w2', false), events: ['message.created'] });
      expect((await db.listWebhooks('demo')).map((w) => [w.id, w.active])).toEqual([
        ['w1', true],
        ['w2', false],
      ]);
      expect(await db.updateWebhook('w2', { active: true, url: 'https://hooks.test/two' })).toMatchObject({
        active: true,
        url: 'https://hooks.test/two',
        events: ['message.created'],
      });
      expect(await db.updateWebhook('nope', { active: false })).toBeNull();
      const targets = {
        'message.created': ['w1', 'w2'],
        'conversation.created': ['w1'],
        'conversation.assigned': ['w1'],
        'conversation.closed': ['w1'],
      };
      // Without targets nothing is written; with them, one delivery per webhook.
      await db.appendMessages([msg(c0.id, 'no-hooks')]);
      expect(await db.leaseDueDeliveries(now, now + 60_000, 100)).toEqual([]);
      const [appended] = await db.appendMessages([{ ...msg(c0.id, 'hooked'), outbox: targets }]);
      // A resent cid is not a new message: no second event.
      await db.appendMessages([{ ...msg(c0.id, 'hooked'), outbox: targets }]);
      await db.createVisitor(visitorRecord('v2', now));
      const c2 = await db.createConversation({
        siteId: 'demo',
        visitorId: 'v2',
        department: null,
        status: 'queued',
        at: now,
        outbox: targets,
      });
      await db.claimConversation(c2.id, 'a1', SystemLines.joined('A1'), now, targets);
      await db.transitionConversation(c2.id, {
        expect: { status: 'assigned', agentId: 'a1' },
        next: { status: 'closed', agentId: 'a1', department: null },
        line: SystemLines.closed(),
        note: null,
        at: now,
        outbox: targets,
      });
      const due = await db.leaseDueDeliveries(now, now + 60_000, 100);
      expect(due.map((d) => [d.type, d.webhookId]).sort()).toEqual(
        [
          ['conversation.assigned', 'w1'],
          ['conversation.closed', 'w1'],
          ['conversation.created', 'w1'],
          ['message.created', 'w1'],
          ['message.created', 'w2'],
        ].sort(),
      );
      const created = due.find((d) => d.type === 'message.created' && d.webhookId === 'w1');
      if (!created || !appended?.ok) throw new Error('missing delivery');
      expect(created).toMatchObject({
        url: 'https://hooks.test/w1',
        secret: 'secret-w1',
        siteId: 'demo',
        state: 'pending',
        attempts: 0,
      });
      expect(JSON.parse(created.data)).toEqual({ conversation: { id: c0.id }, message: appended.message });
      const closed = due.find((d) => d.type === 'conversation.closed');
      expect(JSON.parse(closed?.data ?? '{}')).toMatchObject({
        conversation: { id: c2.id, status: 'closed', agentId: 'a1' },
      });
      // Leased: nobody else gets them until the lease ends, then they are due again.
      expect(await (await other()).leaseDueDeliveries(now + 1000, now + 60_000, 100)).toEqual([]);
      expect((await (await other()).leaseDueDeliveries(now + 60_000, now + 120_000, 100)).length).toBe(5);
      // Outcomes: delivered, or pending again later; redelivery makes it due now.
      await db.finishDelivery(created.id, {
        state: 'delivered',
        attempts: 1,
        nextAt: now,
        lastStatus: 204,
        lastError: null,
        at: now + 5,
      });
      const failing = due.find((d) => d.webhookId === 'w2');
      if (!failing) throw new Error('missing w2 delivery');
      await db.finishDelivery(failing.id, {
        state: 'pending',
        attempts: 1,
        nextAt: now + 500_000,
        lastStatus: 500,
        lastError: 'HTTP 500',
        at: now + 5,
      });
      expect(await db.getDelivery(created.id)).toMatchObject({
        state: 'delivered',
        attempts: 1,
        lastStatus: 204,
        updatedAt: now + 5,
      });
      expect((await db.listDeliveries('w2', 10)).map((d) => [d.state, d.lastStatus, d.lastError])).toEqual([
        ['pending', 500, 'HTTP 500'],
      ]);
      // The three leased and never finished (their process died) are due again; the delivered
      // one never, the failed one at its next attempt.
      const again = await db.leaseDueDeliveries(now + 400_000, now + 400_001, 100);
      expect(again.map((d) => d.type).sort()).toEqual([
        'conversation.assigned',
        'conversation.closed',
        'conversation.created',
      ]);
      expect(await db.redeliver(failing.id, now + 400_000)).toMatchObject({
        state: 'pending',
        nextAt: now + 400_000,
      });
      expect((await db.leaseDueDeliveries(now + 400_000, now + 400_001, 100)).map((d) => d.id)).toEqual([
        failing.id,
      ]);
      // A deactivated webhook's deliveries wait.
      await db.redeliver(failing.id, now + 500_000);
      await db.updateWebhook('w2', { active: false });
      expect(
        (await db.leaseDueDeliveries(now + 600_000, now + 600_001, 100)).map((d) => d.webhookId),
      ).toEqual(['w1', 'w1', 'w1']);
      expect(await db.redeliver('nope', now)).toBeNull();
      expect((await db.listDeliveries('w1', 2)).length).toBe(2);
    });

    it('API keys: found by hash, rotated in place, revoked once', async () => {
      await seedBasics(db);
      const key = {
        id: 'k1',
        siteId: 'demo',
        name: 'ERP',
        keyHash: 'h1',
        prefix: 'sb_abc',
        createdAt: now,
        revokedAt: null,
      };
      await db.createApiKey(key);
      await db.createApiKey({ ...key, id: 'k2', name: 'CRM', keyHash: 'h2', createdAt: now + 1 });
      await expect(db.createApiKey({ ...key, id: 'k3' })).rejects.toThrow();
      expect((await db.listApiKeys('demo')).map((k) => k.name)).toEqual(['ERP', 'CRM']);
      expect(await (await other()).findApiKeyByHash('h1')).toEqual(key);
      expect(await db.replaceApiKey('k1', 'h1b', 'sb_def')).toMatchObject({
        keyHash: 'h1b',
        prefix: 'sb_def',
        name: 'ERP',
      });
      expect(await db.findApiKeyByHash('h1')).toBeNull();
      expect(await db.revokeApiKey('k1', now + 5)).toMatchObject({ revokedAt: now + 5 });
      // Revoking twice keeps the first time; a revoked key cannot be rotated back to life.
      expect(await db.revokeApiKey('k1', now + 9)).toMatchObject({ revokedAt: now + 5 });
      expect(await db.replaceApiKey('k1', 'h1c', 'sb_x')).toBeNull();
      expect(await db.getApiKey('k1')).toMatchObject({ keyHash: 'h1b', revokedAt: now + 5 });
      expect(await db.revokeApiKey('nope', now)).toBeNull();
    });

    it("lists a site's conversations newest first, filtered, page by page with a (createdAt, id) cursor", async () => {
      const c0 = await seedBasics(db);
      const made = [c0];
      for (let i = 2; i <= 6; i++) {
        await db.createVisitor(visitorRecord(`v${i}`, now));
        // Three share one millisecond: the id breaks the tie, the same way on both stores.
        made.push(
          await db.createConversation({
            siteId: 'demo',
            visitorId: `v${i}`,
            department: i % 2 === 0 ? 'Sales' : null,
            status: 'queued',
            at: i <= 4 ? now + 10 : now + i * 100,
          }),
        );
      }
      await db.claimConversation(made[2]?.id as string, 'a1', null, now + 20);
      const expected = [...made].sort(
        (a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      );
      const pages: string[][] = [];
      let before: { createdAt: number; id: string } | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const page = await db.listConversations('demo', {}, before, 2);
        if (page.length === 0) break;
        pages.push(page.map((c) => c.id));
        const last = page[page.length - 1] as ConversationRecord;
        before = { createdAt: last.createdAt, id: last.id };
      }
      expect(pages.flat()).toEqual(expected.map((c) => c.id));
      expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
      expect((await db.listConversations('demo', { status: 'assigned' }, null, 10)).map((c) => c.id)).toEqual(
        [made[2]?.id],
      );
      expect((await db.listConversations('demo', { agentId: 'a1' }, null, 10)).length).toBe(1);
      expect(
        (await db.listConversations('demo', { department: 'Sales' }, null, 10))
          .map((c) => c.visitorId)
          .sort(),
      ).toEqual(['v2', 'v4', 'v6']);
      expect((await db.listConversations('demo', { department: null }, null, 10)).length).toBe(3);
      expect(
        (await db.listConversations('demo', { visitorId: 'v5' }, null, 10)).map((c) => c.visitorId),
      ).toEqual(['v5']);
      expect(await db.listConversations('other-site', {}, null, 10)).toEqual([]);
    });

    it('full-text search: one rule on both stores — case- and accent-insensitive word prefixes, scoped to sites, newest first, paged', async () => {
      await seedBasics(db); // site demo, visitor v1 (anonymous), one queued conversation without messages
      await db.createSite({
        id: 'other',
        name: 'Other',
        secret: 's',
        allowedOrigins: [],
        departments: [],
        color: '#000',
        title: 't',
        greeting: 'g',
        createdAt: now,
      });
      const conv = async (visitor: string, site: string, at: number, texts: string[], close = false) => {
        const c = await db.createConversation({
          siteId: site,
          visitorId: visitor,
          department: null,
          status: 'queued',
          at,
        });
        await db.appendMessages(
          texts.map((text, i) => ({ ...msg(c.id, `${c.id}-${i}`, text), sender: `v:${visitor}` })),
        );
        if (close) {
          await db.transitionConversation(c.id, {
            expect: { status: 'queued', agentId: null },
            next: { status: 'closed', agentId: null, department: null },
            line: SystemLines.closed(),
            note: null,
            at: at + 1,
          });
        }
        return c.id;
      };
      await db.createVisitor(
        visitorRecord('vz', now, { name: 'Zoë Müller', email: 'zoe.mueller@shop.example' }),
      );
      await db.createVisitor(visitorRecord('vj', now, { name: 'José Núñez' }));
      await db.createVisitor(visitorRecord('vo', now, { siteId: 'other', name: 'Other Person' }));
      const cafe = await conv('vz', 'demo', now + 100, ['Is the Café open?', 'Merci beaucoup, ÇA VA'], true);
      const ship = await conv('vj', 'demo', now + 200, [
        'Your order has shipped — «Straße» 12b',
        'Größe: XL',
      ]);
      const hindi = await conv(
        'v1',
        'demo',
        now + 300,
        ['नमस्ते, मेरा ऑर्डर कहाँ है?', 'Ελληνικά: καλημέρα'],
        true,
      );
      const elsewhere = await conv('vo', 'other', now + 400, ['Café shipped to the other site']);

      const ids = async (q: string, sites = ['demo']) =>
        (await db.searchConversations(sites, q, null, 50)).map((h) => h.conversation.id);
      // Accents and case fold both ways; words match by prefix only.
      expect(await ids('cafe')).toEqual([cafe]);
      expect(await ids('CAFÉ')).toEqual([cafe]);
      expect(await ids('ship')).toEqual([ship]);
      expect(await ids('shipped')).toEqual([ship]);
      expect(await ids('hipped')).toEqual([]);
      expect(await ids('ca va')).toEqual([cafe]);
      expect(await ids('strasse')).toEqual([]);
      expect(await ids('straße')).toEqual([ship]);
      expect(await ids('grosse')).toEqual([]);
      expect(await ids('größ')).toEqual([ship]);
      expect(await ids('12')).toEqual([ship]);
      expect(await ids('नमस्ते')).toEqual([hindi]);
      expect(await ids('ΚΑΛΗΜΕΡΑ')).toEqual([hindi]);
      expect(await ids('καλη')).toEqual([hindi]);
      // Every word must match (in one message, or in the visitor's name and email).
      expect(await ids('cafe merci')).toEqual([]);
      expect(await ids('merci beau')).toEqual([cafe]);
      // Visitors: names and emails, accent-insensitive, prefixes; a name matches every conversation of its visitor.
      expect(await ids('zoe')).toEqual([cafe]);
      expect(await ids('zoe.mueller@shop.example')).toEqual([cafe]);
      expect(await ids('muller')).toEqual([cafe]);
      expect(await ids('jose nun')).toEqual([ship]);
      // Open and closed alike, newest first; the other site only when asked for.
      expect(await ids('cafe', ['demo', 'other'])).toEqual([elsewhere, cafe]);
      expect(await ids('other')).toEqual([]);
      expect(await ids('person', ['other'])).toEqual([elsewhere]);
      expect(await ids('cafe', [])).toEqual([]);
      // System lines are not searched ("closed" is the close line's word).
      expect(await ids('closed')).toEqual([]);
      // User input is words, never FTS syntax.
      for (const q of [
        '"foo" OR *',
        "'; drop table messages; --",
        'NEAR(a b)',
        'a:* & !b',
        '***',
        '',
        '   ',
        '-cafe',
        'ship*',
      ]) {
        const found = await ids(q);
        expect(found.every((id) => [cafe, ship, hindi].includes(id))).toBe(true);
      }
      expect(await ids('"cafe" OR *')).toEqual([]);
      expect(await ids('-cafe')).toEqual([cafe]);
      expect(await ids('ship*')).toEqual([ship]);
      expect(await ids('***')).toEqual([]);

      // The hit carries its newest matching message; a visitor-only hit none.
      const [byText] = await db.searchConversations(['demo'], 'ça', null, 5);
      expect(byText?.message?.text).toBe('Merci beaucoup, ÇA VA');
      const [byName] = await db.searchConversations(['demo'], 'zoe', null, 5);
      expect(byName?.message).toBeNull();

      // A renamed visitor is found by the new name only.
      await db.updateVisitor('vj', { name: 'Joanna Smith' });
      expect(await ids('jose')).toEqual([]);
      expect(await ids('joan')).toEqual([ship]);
      await db.updateVisitor('vj', { lastSeenAt: now + 5 });
      expect(await ids('joan')).toEqual([ship]);

      // Cursor paging: (createdAt, id) of the last hit, newest first.
      await db.appendMessages([{ ...msg(hindi, 'h-extra', 'and a café please'), sender: 'v:v1' }]);
      const pages: string[][] = [];
      let before: { createdAt: number; id: string } | null = null;
      for (let guard = 0; guard < 5; guard++) {
        const page = await db.searchConversations(['demo'], 'cafe', before, 1);
        if (page.length === 0) break;
        pages.push(page.map((h) => h.conversation.id));
        const last = page[page.length - 1]?.conversation as ConversationRecord;
        before = { createdAt: last.createdAt, id: last.id };
      }
      expect(pages).toEqual([[hindi], [cafe]]);

      // Another handle (another process) finds the same.
      const b = await other();
      expect((await b.searchConversations(['demo'], 'cafe', null, 10)).map((h) => h.conversation.id)).toEqual(
        [hindi, cafe],
      );
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

    it('the message writer: one turn, one batch, seqs in order, acked after commit', async () => {
      const c = await seedBasics(db);
      const batches: number[] = [];
      const writer = new MessageWriter(db, { onBatch: (size) => batches.push(size) });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => writer.append(msg(c.id, `g${i}`))),
      );
      expect(batches).toEqual([50]);
      expect(results.map((r) => r.ok && r.message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await writer.close();
      const b = await other();
      expect(await b.messagesSince(c.id, 0)).toHaveLength(50);
    });
  });
}
