/**
 * What the durable outbox writes, as pure functions both stores call inside the transaction
 * of the change: which event a conversation change is, its `data`, and the rows (one event,
 * one delivery per subscribed webhook).
 */
import type { Message, WebhookConversation, WebhookEventType } from '@switchboard/protocol';
import { newId } from '../ids.js';
import type { ConversationState, SystemLine } from '../routing/types.js';
import type { ConversationRecord, OutboxTargets, RatingRecord, VisitorRecord } from '../storage/types.js';

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  'conversation.created',
  'conversation.assigned',
  'conversation.transferred',
  'conversation.closed',
  'conversation.reopened',
  'conversation.rated',
  'message.created',
  'visitor.deleted',
];

/** The webhook event of a state change, or null (a re-queue after the grace period is none). */
export function transitionEventType(
  before: Pick<ConversationState, 'status' | 'agentId'>,
  after: Pick<ConversationState, 'status' | 'agentId'>,
  line: SystemLine | null,
): WebhookEventType | null {
  if (after.status === 'closed') return before.status === 'closed' ? null : 'conversation.closed';
  if (before.status === 'closed') return 'conversation.reopened';
  if (line?.event.kind === 'transferred') return 'conversation.transferred';
  if (after.status === 'assigned' && before.agentId !== after.agentId) {
    return before.status === 'assigned' ? 'conversation.transferred' : 'conversation.assigned';
  }
  return null;
}

export function webhookConversation(c: ConversationRecord): WebhookConversation {
  return {
    id: c.id,
    visitorId: c.visitorId,
    status: c.status,
    agentId: c.agentId,
    department: c.department,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    closedAt: c.closedAt,
  };
}

export interface EventRow {
  id: string;
  site_id: string;
  type: string;
  data: string;
  /** The conversation the event is about (`data.conversation.id`), so deleting it finds the event. */
  conversation_id: string | null;
  created_at: number;
}

export interface NewDeliveryRow {
  id: string;
  event_id: string;
  webhook_id: string;
  next_at: number;
  created_at: number;
}

/** The rows of one event for its subscribers; null when nobody subscribed to it. */
export function outboxRows(
  targets: OutboxTargets | null | undefined,
  type: WebhookEventType | null,
  siteId: string,
  data: Record<string, unknown>,
  at: number,
): { event: EventRow; deliveries: NewDeliveryRow[] } | null {
  if (!targets || !type) return null;
  const hooks = targets[type];
  if (!hooks || hooks.length === 0) return null;
  const id = newId('ev');
  const about = (data as { conversation?: { id?: unknown } }).conversation?.id;
  return {
    event: {
      id,
      site_id: siteId,
      type,
      data: JSON.stringify(data),
      conversation_id: typeof about === 'string' ? about : null,
      created_at: at,
    },
    deliveries: hooks.map((webhookId) => ({
      id: newId('dl'),
      event_id: id,
      webhook_id: webhookId,
      next_at: at,
      created_at: at,
    })),
  };
}

export function conversationEventData(c: ConversationRecord): Record<string, unknown> {
  return { conversation: webhookConversation(c) };
}

export function messageEventData(m: Message): Record<string, unknown> {
  return { conversation: { id: m.conversationId }, message: m };
}

/** `visitor.deleted`: who (the shop's own id too, when it gave one) and which conversations went. */
export function visitorDeletedEventData(
  v: VisitorRecord,
  conversationIds: readonly string[],
): Record<string, unknown> {
  return {
    visitor: { id: v.id, externalId: v.externalId },
    conversations: conversationIds.map((id) => ({ id })),
  };
}

export function ratingEventData(c: ConversationRecord, r: RatingRecord): Record<string, unknown> {
  return {
    conversation: webhookConversation(c),
    rating: { score: r.score, comment: r.comment, agentId: r.agentId, createdAt: r.createdAt },
  };
}
