import type { Message } from '@switchboard/protocol';
import { map } from 'nanostores';

/** Transcript messages per conversation id, in seq order, each seq once. */
export const $messages = map<Record<string, readonly Message[]>>({});

/**
 * Merge messages into a seq-ordered list. A seq already held is dropped (replay/live seam,
 * resent acks, our own message arriving both as ack and as `message`). Returns the same
 * array when nothing was new, so callers can skip the store update.
 */
export function mergeBySeq(held: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  let out: Message[] | null = null;
  for (const m of incoming) {
    const list: readonly Message[] = out ?? held;
    const at = insertionIndex(list, m.seq);
    if (at < 0) continue;
    out = out ?? held.slice();
    out.splice(at, 0, m);
  }
  return out ?? held;
}

/** Where a message with `seq` goes in a seq-sorted list; -1 when that seq is already there. */
function insertionIndex(list: readonly Message[], seq: number): number {
  const last = list[list.length - 1];
  if (!last || last.seq < seq) return list.length; // the common case: appending
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid]!.seq;
    if (s === seq) return -1;
    if (s < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Add messages to a conversation's transcript; returns the messages that were new. */
export function addMessages(conversationId: string, incoming: readonly Message[]): Message[] {
  const held = $messages.get()[conversationId] ?? [];
  const merged = mergeBySeq(held, incoming);
  if (merged === held && conversationId in $messages.get()) return [];
  $messages.setKey(conversationId, merged);
  const heldSeqs = new Set(held.map((m) => m.seq));
  return incoming.filter((m) => !heldSeqs.has(m.seq));
}

/**
 * The highest seq up to which we hold every message (seqs are gap-free from 1). This is the
 * resume cursor: a live message received before the history was fetched does not move it, so
 * asking for `seq > cursor` never skips anything.
 */
export function contiguousSeq(list: readonly Message[]): number {
  let expected = 1;
  for (const m of list) {
    if (m.seq < expected) continue;
    if (m.seq !== expected) break;
    expected++;
  }
  return expected - 1;
}

/** `hello.cursors`: the resume point of every conversation whose transcript we hold. */
export function resumeCursors(): Record<string, number> {
  const cursors: Record<string, number> = {};
  for (const [id, list] of Object.entries($messages.get())) cursors[id] = contiguousSeq(list);
  return cursors;
}

export function cursorOf(conversationId: string): number {
  return contiguousSeq($messages.get()[conversationId] ?? []);
}
