import type { ConversationSummary, VisitorInfo } from '@switchboard/protocol';
import type { ConversationRecord, VisitorRecord } from '../storage/types.js';

export function visitorInfo(v: VisitorRecord, online?: boolean): VisitorInfo {
  const info: VisitorInfo = {
    id: v.id,
    name: v.name,
    email: v.email,
    verified: v.verified,
    attributes: v.attributes,
  };
  if (online !== undefined) info.online = online;
  return info;
}

/** The `conversation` frame payload built from stored rows. */
export function toSummary(
  conv: ConversationRecord,
  visitor: VisitorRecord,
  agentName: string | null,
  /** Whether the visitor holds a socket now (as far as this process knows). */
  visitorOnline?: boolean,
): ConversationSummary {
  return {
    id: conv.id,
    siteId: conv.siteId,
    department: conv.department,
    status: conv.status,
    visitor: visitorInfo(visitor, visitorOnline),
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
