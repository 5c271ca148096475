import type { ConversationStatus, ConversationSummary } from '@switchboard/protocol';
import { atom } from '../store';

/** The visitor's current (most recent) conversation — what the panel shows. */
export interface Current {
  id: string;
  status: ConversationStatus;
  /** Highest seq the agent side has read ("Seen"). */
  agentReadSeq: number;
  visitorReadSeq: number;
  createdAt: number;
  /** While waiting: the last summary that said the place in the queue (and the estimated wait). */
  q?: ConversationSummary | undefined;
}

export const $conversation = atom<Current | null>(null);

export function fromSummary(c: ConversationSummary): Current {
  return { ...c, q: c.queuePosition ? c : undefined };
}

/** Merges a summary; read positions only move forward. Returns true when it switched conversation. */
export function applySummary(c: ConversationSummary): boolean {
  const cur = $conversation.get();
  if (cur && cur.id !== c.id && c.createdAt < cur.createdAt) return false;
  const next = fromSummary(c);
  if (cur && cur.id === c.id) {
    next.agentReadSeq = Math.max(next.agentReadSeq, cur.agentReadSeq);
    next.visitorReadSeq = Math.max(next.visitorReadSeq, cur.visitorReadSeq);
    // Only some frames say the place in the queue (and the wait with it): it holds while still queued.
    if (next.status === 'queued') next.q ??= cur.q;
  }
  $conversation.set(next);
  return !!cur && cur.id !== c.id;
}

/** Moves a read position forward in the current conversation (`id`: only if it is that one). */
export function markRead(side: 'agentReadSeq' | 'visitorReadSeq', seq: number, id?: string): void {
  const cur = $conversation.get();
  if (cur && (!id || cur.id === id) && seq > cur[side]) $conversation.set({ ...cur, [side]: seq });
}
