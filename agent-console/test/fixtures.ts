import type { AgentInfo, ConversationSummary, Message, Note } from '@switchboard/protocol';

export const ana: AgentInfo = {
  id: 'ag-ana',
  siteId: 'demo',
  email: 'ana@demo.test',
  name: 'Ana Silva',
  role: 'agent',
  status: 'online',
};
export const ben: AgentInfo = { ...ana, id: 'ag-ben', email: 'ben@demo.test', name: 'Ben Okafor' };
export const admin: AgentInfo = {
  ...ana,
  id: 'ag-admin',
  email: 'admin@demo.test',
  name: 'Admin',
  role: 'admin',
};

export function conversation(id: string, patch: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    siteId: 'demo',
    department: null,
    status: 'queued',
    visitor: { id: `visitor-${id}`, name: null, email: null, verified: false, attributes: {} },
    agent: null,
    lastSeq: 1,
    lastMessage: { text: 'Hello?', authorKind: 'visitor', at: 1_000 },
    visitorReadSeq: 0,
    agentReadSeq: 0,
    createdAt: 1_000,
    updatedAt: 1_000,
    closedAt: null,
    queuedAt: patch.createdAt ?? 1_000,
    queueFront: false,
    ...patch,
  };
}

export function message(conversationId: string, seq: number, patch: Partial<Message> = {}): Message {
  return {
    id: `${conversationId}-m${seq}`,
    conversationId,
    seq,
    text: `message ${seq}`,
    author: { kind: 'visitor', id: `visitor-${conversationId}`, name: 'Visitor' },
    at: 1_000 + seq,
    ...patch,
  };
}

export function note(conversationId: string, id: string, afterSeq: number, at = 5_000): Note {
  return {
    id,
    conversationId,
    text: `note ${id}`,
    author: { kind: 'agent', id: ana.id, name: ana.name },
    at,
    afterSeq,
  };
}
