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
  /** Place in the queue while waiting (the server says it). */
  queuePosition?: number | undefined;
}

export const $conversation = atom<Current | null>(null);

export function fromSummary(c: ConversationSummary): Current {
  return {
    id: c.id,
    status: c.status,
    agentReadSeq: c.agentReadSeq,
    visitorReadSeq: c.visitorReadSeq,
    createdAt: c.createdAt,
    queuePosition: c.queuePosition,
  };
}

/** Merges a summary; read positions only move forward. Returns true when it switched conversation. */
export function applySummary(c: ConversationSummary): boolean {
  const cur = $conversation.get();
  if (cur && cur.id !== c.id && c.createdAt < cur.createdAt) return false;
  const next = fromSummary(c);
  if (cur && cur.id === c.id) {
    next.agentReadSeq = Math.max(next.agentReadSeq, cur.agentReadSeq);
    next.visitorReadSeq = Math.max(next.visitorReadSeq, cur.visitorReadSeq);
    // Only some frames say the place in the queue: it holds while still queued.
    if (next.status === 'queued') next.queuePosition ??= cur.queuePosition;
  }
  $conversation.set(next);
  return !!cur && cur.id !== c.id;
}

export function markAgentRead(conversationId: string, seq: number): void {
  const cur = $conversation.get();
  if (cur && cur.id === conversationId && seq > cur.agentReadSeq)
    $conversation.set({ ...cur, agentReadSeq: seq });
}

export function markVisitorRead(seq: number): void {
  const cur = $conversation.get();
  if (cur && seq > cur.visitorReadSeq) $conversation.set({ ...cur, visitorReadSeq: seq });
}
