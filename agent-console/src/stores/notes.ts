import type { Note } from '@switchboard/protocol';
import { map } from 'nanostores';

/** Internal notes per conversation id (agents only; no seq — placed after `afterSeq`). */
export const $notes = map<Record<string, readonly Note[]>>({});

/** Add notes, each id once, ordered by where they belong in the transcript. */
export function addNotes(conversationId: string, incoming: readonly Note[]): void {
  const held = $notes.get()[conversationId] ?? [];
  const ids = new Set(held.map((n) => n.id));
  const fresh = incoming.filter((n) => !ids.has(n.id) && ids.add(n.id));
  if (fresh.length === 0) return;
  const next = [...held, ...fresh].sort((a, b) => a.afterSeq - b.afterSeq || a.at - b.at);
  $notes.setKey(conversationId, next);
}
