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

/**
 * How many lines came since this agent last read it (the visitor's messages, and any line
 * after them), when it has unread visitor messages; else 0.
 */
export function unreadCount(c: ConversationSummary, readSeq: number, activeId: string | null): number {
  return isUnread(c, readSeq, activeId) ? c.lastSeq - Math.max(readSeq, c.agentReadSeq) : 0;
}

/** Unread counts per conversation (the list's badges). */
export const $unreadCounts = computed([$conversations, $readSeq, $activeId], (all, reads, activeId) => {
  const counts: Record<string, number> = {};
  for (const c of Object.values(all)) {
    const n = c.status === 'closed' ? 0 : unreadCount(c, reads[c.id] ?? 0, activeId);
    if (n > 0) counts[c.id] = n;
  }
  return counts;
});

/** Ids of conversations with unread visitor messages (the unread dot, the tab title count). */
export const $unreadIds = computed([$conversations, $readSeq, $activeId], (all, reads, activeId) => {
  const ids = new Set<string>();
  for (const c of Object.values(all)) {
    if (c.status !== 'closed' && isUnread(c, reads[c.id] ?? 0, activeId)) ids.add(c.id);
  }
  return ids;
});
