import type { ConversationSummary } from '@switchboard/protocol';
import { computed, map } from 'nanostores';
import { $activeId } from './active.js';
import { $conversations } from './conversations.js';

/** The highest seq this agent has read per conversation (what we last sent in `read`). */
export const $readSeq = map<Record<string, number>>({});

export function markRead(conversationId: string, seq: number): boolean {
  if (seq <= ($readSeq.get()[conversationId] ?? 0)) return false;
  $readSeq.setKey(conversationId, seq);
  return true;
}

/** A conversation has unread visitor messages: its latest line is the visitor's and unseen by us. */
export function isUnread(c: ConversationSummary, readSeq: number, activeId: string | null): boolean {
  if (c.id === activeId || c.lastMessage?.authorKind !== 'visitor') return false;
  return c.lastSeq > Math.max(readSeq, c.agentReadSeq);
}

/** Ids of conversations with unread visitor messages (the unread dot, the tab title count). */
export const $unreadIds = computed([$conversations, $readSeq, $activeId], (all, reads, activeId) => {
  const ids = new Set<string>();
  for (const c of Object.values(all)) {
    if (c.status !== 'closed' && isUnread(c, reads[c.id] ?? 0, activeId)) ids.add(c.id);
  }
  return ids;
});
