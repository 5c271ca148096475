import { beforeEach, describe, expect, it } from 'vitest';
import { $conversation, applySummary, markRead } from '../src/stores/conversation';
import { $messages, addMessages, resumeCursor } from '../src/stores/messages';
import { $outbox, bindOutbox, enqueue, patch, removeEntry } from '../src/stores/outbox';
import { resetStores } from '../src/stores/reset';
import { $unread } from '../src/stores/unread';
import { kv, msg, summary } from './helpers';

beforeEach(resetStores);

describe('$messages', () => {
  it('keeps each seq once, in order, whatever the arrival order', () => {
    expect(addMessages([msg(2), msg(1)]).map((m) => m.seq)).toEqual([2, 1]);
    expect(addMessages([msg(1), msg(3), msg(2)]).map((m) => m.seq)).toEqual([3]);
    expect($messages.get().map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('resumes from the contiguous prefix so a gap is refilled', () => {
    addMessages([msg(1), msg(2), msg(4)]);
    expect(resumeCursor()).toBe(2);
    addMessages([msg(3)]);
    expect(resumeCursor()).toBe(4);
    expect(resumeCursor([])).toBe(0);
  });

  it('resumes from the top of a range that starts at the newest page, not from 0', () => {
    addMessages([msg(451), msg(452), msg(454)]);
    expect(resumeCursor()).toBe(452);
    addMessages([msg(453), msg(401)]);
    // 401 is held but 402..450 are not: the run from the oldest held message ends at 401.
    expect(resumeCursor()).toBe(401);
  });
});

describe('$outbox', () => {
  it('persists across a reload and drops entries once acked', () => {
    const storage = kv();
    const unbind = bindOutbox(storage);
    enqueue('first', 'cid-1', 1);
    enqueue('second', 'cid-2', 2);
    unbind();
    $outbox.set([]);

    const unbind2 = bindOutbox(storage);
    expect($outbox.get().map((e) => e.text)).toEqual(['first', 'second']);
    patch('cid-1', { failed: 'SB_ERR_TEXT_TOO_LONG' });
    removeEntry('cid-2');
    unbind2();
    bindOutbox(storage);
    expect($outbox.get()).toEqual([{ cid: 'cid-1', text: 'first', at: 1, failed: 'SB_ERR_TEXT_TOO_LONG' }]);
    patch('cid-1', { failed: undefined });
    expect($outbox.get()[0]?.failed).toBeUndefined();
  });

  it('keeps a stored file across a reload, and drops an upload the reload cut short', () => {
    const storage = kv();
    const unbind = bindOutbox(storage);
    enqueue('photo.png', 'up-1', 1);
    patch('up-1', { u: 0.4 });
    enqueue('', 'file-1', 2);
    const a = { id: 'f_1', name: 'bill.pdf', type: 'application/pdf' as const, size: 9 };
    patch('file-1', { a });
    unbind();
    $outbox.set([]);
    bindOutbox(storage);
    expect($outbox.get()).toEqual([{ cid: 'file-1', text: '', at: 2, a }]);
  });

  it('survives corrupt storage', () => {
    const storage = kv();
    storage.set('outbox', '{not json');
    bindOutbox(storage);
    expect($outbox.get()).toEqual([]);
    storage.set('outbox', JSON.stringify([{ cid: 1 }, null, { cid: 'ok', text: 'hi', at: 3 }]));
    bindOutbox(storage);
    expect($outbox.get()).toEqual([{ cid: 'ok', text: 'hi', at: 3 }]);
  });
});

describe('$unread and read receipts', () => {
  it('counts agent replies and notices after the visitor read position', () => {
    applySummary(summary());
    addMessages([
      msg(1, 'visitor'),
      msg(2, 'system', { event: { kind: 'joined', agentName: 'Ana' } }),
      msg(3, 'agent'),
      msg(4, 'system', { event: { kind: 'notice' } }),
    ]);
    expect($unread.get()).toBe(2);
    applySummary(summary({ visitorReadSeq: 3 }));
    expect($unread.get()).toBe(1);
    // Read positions only move forward, even if an older summary arrives late.
    applySummary(summary({ visitorReadSeq: 1 }));
    expect($unread.get()).toBe(1);
  });

  it('moves the agent read position forward only', () => {
    applySummary(summary());
    markRead('agentReadSeq', 5, 'c1');
    markRead('agentReadSeq', 3, 'c1');
    markRead('agentReadSeq', 9, 'other');
    expect($conversation.get()?.agentReadSeq).toBe(5);
    // The visitor's own read position (another tab read it): any conversation id, forward only.
    markRead('visitorReadSeq', 4);
    markRead('visitorReadSeq', 2);
    expect($conversation.get()?.visitorReadSeq).toBe(4);
  });
});

describe('$conversation: the place in the queue', () => {
  it('keeps the last position and wait while queued, takes new ones together, drops them once assigned', () => {
    const place = () => {
      const q = $conversation.get()?.q;
      return q ? [q.queuePosition, q.queueWaitMs] : null;
    };
    applySummary(summary({ status: 'queued', queuePosition: 3, queueWaitMs: 180_000 }));
    expect(place()).toEqual([3, 180_000]);
    // A frame that does not say the place (a read, a profile change) keeps both.
    applySummary(summary({ status: 'queued', visitorReadSeq: 1 }));
    expect(place()).toEqual([3, 180_000]);
    expect($conversation.get()?.visitorReadSeq).toBe(1);
    // A new place without an estimate: no stale estimate stays.
    applySummary(summary({ status: 'queued', queuePosition: 2 }));
    expect(place()).toEqual([2, undefined]);
    applySummary(summary({ status: 'assigned' }));
    expect(place()).toBeNull();
  });
});
