import { cleanStores } from 'nanostores';
import { afterEach, describe, expect, it } from 'vitest';
import { resetStores } from '../src/stores/index.js';
import {
  $messages,
  addMessages,
  contiguousSeq,
  cursorOf,
  markLoaded,
  mergeBySeq,
  resumeCursors,
} from '../src/stores/messages.js';
import { message } from './fixtures.js';

afterEach(() => {
  resetStores();
  cleanStores($messages);
});

const seqs = (list: readonly { seq: number }[]) => list.map((m) => m.seq);

describe('mergeBySeq', () => {
  it('appends in order and drops seqs already held', () => {
    const held = mergeBySeq([], [message('c', 1), message('c', 2)]);
    const next = mergeBySeq(held, [message('c', 2), message('c', 3)]);
    expect(seqs(next)).toEqual([1, 2, 3]);
  });

  it('inserts a late message in its place (live message raced ahead of the replay)', () => {
    const held = mergeBySeq([], [message('c', 1), message('c', 4)]);
    expect(seqs(mergeBySeq(held, [message('c', 3), message('c', 2)]))).toEqual([1, 2, 3, 4]);
  });

  it('returns the same array when nothing is new, so the store is not touched', () => {
    const held = mergeBySeq([], [message('c', 1)]);
    expect(mergeBySeq(held, [message('c', 1)])).toBe(held);
  });

  it('keeps one copy when a batch repeats a seq', () => {
    expect(seqs(mergeBySeq([], [message('c', 1), message('c', 1), message('c', 2)]))).toEqual([1, 2]);
  });
});

describe('contiguousSeq (the resume cursor)', () => {
  it('is the end of the gap-free run from the oldest held message', () => {
    expect(contiguousSeq([])).toBe(0);
    expect(contiguousSeq([message('c', 1), message('c', 2)])).toBe(2);
    expect(contiguousSeq([message('c', 1), message('c', 3)])).toBe(1);
    // A newest page (seq 451..452) resumes from its top, not from 0.
    expect(contiguousSeq([message('c', 451), message('c', 452)])).toBe(452);
  });
});

describe('addMessages', () => {
  it('returns only the new messages and stores the merged transcript', () => {
    expect(seqs(addMessages('c', [message('c', 1), message('c', 2)]))).toEqual([1, 2]);
    expect(seqs(addMessages('c', [message('c', 2), message('c', 3)]))).toEqual([3]);
    expect(seqs($messages.get().c ?? [])).toEqual([1, 2, 3]);
  });

  it('records an empty history, so the conversation counts as loaded', () => {
    markLoaded('empty');
    addMessages('empty', []);
    expect($messages.get().empty).toEqual([]);
    expect(resumeCursors()).toEqual({ empty: 0 });
  });

  it('builds hello cursors for every fetched transcript only', () => {
    for (const id of ['a', 'b']) markLoaded(id);
    addMessages('a', [message('a', 1), message('a', 2)]);
    addMessages('b', [message('b', 1), message('b', 5)]);
    // Only a live message, no history fetched yet: no cursor (it opens on the newest page).
    addMessages('live', [message('live', 7)]);
    expect(resumeCursors()).toEqual({ a: 2, b: 1 });
    expect(cursorOf('a')).toBe(2);
    expect(cursorOf('live')).toBeUndefined();
    expect(cursorOf('unknown')).toBeUndefined();
  });
});
