import type { Message } from '@switchboard/protocol';
import { atom } from '../store';

/** Committed messages of the current conversation, in seq order, each seq once. */
export const $messages = atom<readonly Message[]>([]);

/**
 * Adds messages, ignoring any seq already held (replay/live seam, acks racing their
 * own echo). Out-of-order arrivals are inserted in place. Returns the new ones.
 */
export function addMessages(incoming: readonly Message[]): Message[] {
  const held = $messages.get();
  const seqs = new Set(held.map((m) => m.seq));
  const fresh: Message[] = [];
  for (const m of incoming) {
    if (seqs.has(m.seq)) continue;
    seqs.add(m.seq);
    fresh.push(m);
  }
  if (fresh.length) $messages.set([...held, ...fresh].sort((a, b) => a.seq - b.seq));
  return fresh;
}

/**
 * The resume cursor: the end of the gap-free run that starts at the oldest held message.
 * A client holds a contiguous range (the newest page, extended back by scroll-back): it
 * resumes from the range's top; a gap inside it is refilled on resume.
 */
export function resumeCursor(messages: readonly Message[] = $messages.get()): number {
  let n = messages[0]?.seq ?? 0;
  for (const m of messages) {
    if (m.seq === n + 1) n = m.seq;
    else if (m.seq > n + 1) break;
  }
  return n;
}
