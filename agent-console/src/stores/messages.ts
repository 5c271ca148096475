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
 * Conversations whose transcript was fetched (a `history` frame arrived): only their held
 * messages form a range to resume from. A live message alone (before the fetch) does not.
 */
const loaded = new Set<string>();

export function markLoaded(conversationId: string): void {
  loaded.add(conversationId);
}

export function forgetLoaded(): void {
  loaded.clear();
}

/**
 * The end of the gap-free run that starts at the oldest held message: we hold a contiguous
 * range (the newest page, extended back by scroll-back, and forward by live traffic), so
 * asking for `seq > cursor` never skips anything and a gap inside the range is refilled.
 */
export function contiguousSeq(list: readonly Message[]): number {
  let n = list[0]?.seq ?? 0;
  for (const m of list) {
    if (m.seq === n + 1) n = m.seq;
    else if (m.seq > n + 1) break;
  }
  return n;
}

/** `hello.cursors`: the resume point of every conversation whose transcript we fetched. */
export function resumeCursors(): Record<string, number> {
  const cursors: Record<string, number> = {};
  for (const [id, list] of Object.entries($messages.get()))
    if (loaded.has(id)) cursors[id] = contiguousSeq(list);
  return cursors;
}

/** Where to resume a transcript; undefined when it was never fetched (ask for the newest page). */
export function cursorOf(conversationId: string): number | undefined {
  return loaded.has(conversationId) ? contiguousSeq($messages.get()[conversationId] ?? []) : undefined;
}
