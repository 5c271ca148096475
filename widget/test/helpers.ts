import type { ConversationSummary, Message } from '@switchboard/protocol';
import { type KV, memoryStorage, siteStorage } from '../src/storage';

export const kv = (): KV => siteStorage('demo', memoryStorage());

export function msg(
  seq: number,
  kind: 'visitor' | 'agent' | 'system' = 'agent',
  extra: Partial<Message> = {},
): Message {
  return {
    id: `m${seq}`,
    conversationId: 'c1',
    seq,
    text: `text ${seq}`,
    author: { kind, name: kind === 'agent' ? 'Ana Silva' : kind === 'visitor' ? 'Visitor' : 'System' },
    at: 1_700_000_000_000 + seq,
    ...extra,
  };
}

export function summary(extra: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: 'c1',
    siteId: 'demo',
    department: null,
    status: 'assigned',
    visitor: { id: 'v1', name: null, email: null, verified: false, attributes: {} },
    agent: { id: 'a1', name: 'Ana Silva' },
    lastSeq: 0,
    lastMessage: null,
    visitorReadSeq: 0,
    agentReadSeq: 0,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    closedAt: null,
    queuedAt: 1_700_000_000_000,
    queueFront: false,
    ...extra,
  };
}

export const site = {
  id: 'demo',
  name: 'Demo',
  color: '#2563eb',
  title: 'Demo support',
  greeting: 'Hi!',
  departments: [],
  agentsOnline: true,
};
