import { cleanStores } from 'nanostores';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetStores } from '../src/stores/index.js';
import {
  $outbox,
  bindOutboxStorage,
  discard,
  dueEntries,
  enqueue,
  fail,
  markInflight,
  requeueInflight,
  retry,
  settle,
} from '../src/stores/outbox.js';

class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  vi.stubGlobal('localStorage', storage);
});
afterEach(() => {
  resetStores();
  cleanStores($outbox);
  vi.unstubAllGlobals();
});

const entry = (cid: string, at: number) => ({
  cid,
  conversationId: 'c1',
  kind: 'send' as const,
  text: cid,
  at,
});

describe('outbox', () => {
  it('sends oldest first and keeps the cid through a drop and a resend', () => {
    enqueue(entry('b', 2));
    enqueue(entry('a', 1));
    expect(dueEntries().map((e) => e.cid)).toEqual(['a', 'b']);
    markInflight('a');
    markInflight('b');
    expect(dueEntries()).toEqual([]);
    requeueInflight(); // socket dropped before the acks
    expect(dueEntries().map((e) => e.cid)).toEqual(['a', 'b']);
  });

  it('settle removes the acked entry and returns it once', () => {
    enqueue(entry('a', 1));
    expect(settle('a')?.text).toBe('a');
    expect(settle('a')).toBeNull();
    expect($outbox.get()).toEqual([]);
  });

  it('failed entries wait for Retry (same cid) or Discard', () => {
    enqueue(entry('a', 1));
    enqueue(entry('b', 2));
    fail('a', 'Too long');
    expect(dueEntries().map((e) => e.cid)).toEqual(['b']);
    retry('a');
    expect(dueEntries().map((e) => e.cid)).toEqual(['a', 'b']);
    discard('b');
    expect($outbox.get().map((e) => e.cid)).toEqual(['a']);
  });

  it('survives a reload: saved per agent, in-flight entries come back queued for a resend', () => {
    const unbind = bindOutboxStorage('ag-1');
    enqueue(entry('a', 1));
    markInflight('a');
    enqueue(entry('b', 2));
    unbind();
    $outbox.set([]);

    const unbindAgain = bindOutboxStorage('ag-1');
    expect($outbox.get().map((e) => [e.cid, e.state])).toEqual([
      ['a', 'queued'],
      ['b', 'queued'],
    ]);
    settle('a');
    settle('b');
    expect(storage.data.has('switchboard.console.outbox.ag-1')).toBe(false);
    unbindAgain();
  });

  it('keeps agents apart', () => {
    const unbind = bindOutboxStorage('ag-1');
    enqueue(entry('a', 1));
    unbind();
    bindOutboxStorage('ag-2')();
    expect($outbox.get()).toEqual([]);
  });
});
