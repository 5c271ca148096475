import type { ConversationSummary, VisitorInfo } from '@switchboard/protocol';
import type { ConversationRecord, VisitorRecord } from '../storage/types.js';

export function visitorInfo(v: VisitorRecord): VisitorInfo {
  return { id: v.id, name: v.name, email: v.email, verified: v.verified, attributes: v.attributes };
}

/** The `conversation` frame payload built from stored rows. */
export function toSummary(
  conv: ConversationRecord,
  visitor: VisitorRecord,
  agentName: string | null,
): ConversationSummary {
  return {
    id: conv.id,
    siteId: conv.siteId,
    department: conv.department,
    status: conv.status,
    visitor: visitorInfo(visitor),
    agent: conv.agentId !== null ? { id: conv.agentId, name: agentName ?? 'Agent' } : null,
    lastSeq: conv.lastSeq,
    lastMessage: conv.lastMessage,
    visitorReadSeq: conv.visitorReadSeq,
    agentReadSeq: conv.agentReadSeq,
    createdAt: conv.createdAt,
    updatedAt: conv.updatedAt,
    closedAt: conv.closedAt,
  };
}
