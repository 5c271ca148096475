import type { ConversationSummary } from '@switchboard/protocol';
import { map } from 'nanostores';

/** Every conversation this console knows about, by id (open ones from `welcome`, then live upserts). */
export const $conversations = map<Record<string, ConversationSummary>>({});

/**
 * Upsert a summary. A summary older than the one held (by `updatedAt`, then `lastSeq`) is ignored,
 * so a late frame replayed after a newer one cannot resurrect a claimed conversation in the queue.
 */
export function upsertConversation(next: ConversationSummary): void {
  const held = $conversations.get()[next.id];
  if (held && isOlder(next, held)) return;
  $conversations.setKey(next.id, next);
}

function isOlder(a: ConversationSummary, b: ConversationSummary): boolean {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt;
  return a.lastSeq < b.lastSeq;
}

/**
 * Replace the set with the `welcome` snapshot (all open conversations of the site). Conversations
 * not in the snapshot were closed meanwhile; `keep` names ones to retain anyway (the one on screen).
 */
export function resetConversations(snapshot: ConversationSummary[], keep: readonly string[] = []): void {
  const held = $conversations.get();
  const next: Record<string, ConversationSummary> = {};
  for (const id of keep) {
    const c = held[id];
    if (c) next[id] = c.status === 'closed' ? c : { ...c, status: 'closed' };
  }
  for (const c of snapshot) next[c.id] = c;
  $conversations.set(next);
}

/** Patch a field we learn from a non-summary frame (e.g. `read` from the visitor). */
export function patchConversation(id: string, patch: Partial<ConversationSummary>): void {
  const held = $conversations.get()[id];
  if (held) $conversations.setKey(id, { ...held, ...patch });
}
