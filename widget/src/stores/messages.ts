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
 * The resume cursor: the highest seq such that every seq from 1 to it is held.
 * Using the contiguous prefix (not the maximum) means a gap is always refilled on resume.
 */
export function resumeCursor(messages: readonly Message[] = $messages.get()): number {
  let n = 0;
  for (const m of messages) {
    if (m.seq === n + 1) n = m.seq;
    else if (m.seq > n + 1) break;
  }
  return n;
}
