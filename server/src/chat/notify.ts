/**
 * The shop backend's push (`POST /api/sites/:site/notify`): a system `notice` stored in the
 * user's latest conversation (a closed one is created if they have none) and pushed live.
 */

import { ErrorCode, type Message } from '@switchboard/protocol';
import { sbError } from '../errors.js';
import type { Hub } from '../hub.js';
import { newId } from '../ids.js';
import { SystemLines, Topic } from '../routing/index.js';
import type { MessageWriter } from '../storage/message-writer.js';
import type { SiteRecord, Storage } from '../storage/types.js';
import type { WebhookTargets } from '../webhooks/targets.js';
import type { Conversations } from './conversations.js';
import type { VisitorLocks } from './locks.js';
import type { Messages } from './messages.js';
import { validText } from './text.js';

export interface NotifyDeps {
  storage: Storage;
  writer: MessageWriter;
  hub: Hub;
  conversations: Conversations;
  messages: Messages;
  locks: VisitorLocks;
  maxTextChars: number;
  webhooks: WebhookTargets;
}

export interface Notified {
  delivered: boolean;
  conversationId: string;
  seq: number;
  /** The notification's `id` was sent before: nothing new was stored. */
  duplicate: boolean;
}

/** Who gets it and what; `id` (notify v1) makes a resend store nothing new. */
export interface NotifyInput {
  userId?: string;
  visitorId?: string;
  /** Into this conversation of the site (the REST API's system message), instead of the visitor's latest. */
  conversationId?: string;
  text: string;
  title?: string;
  url?: string;
  id?: string;
}

/** The sender of a site's notifications (with the notification id as cid: idempotent). */
const siteSender = (siteId: string) => `s:${siteId}`;

export async function notify(d: NotifyDeps, site: SiteRecord, input: NotifyInput): Promise<Notified> {
  const noticeText = validText(input.text, d.maxTextChars);
  const now = Date.now();
  const sender = input.id === undefined ? null : siteSender(site.id);
  if (sender !== null && input.id !== undefined) {
    const dup = await d.storage.findMessageByCid(sender, input.id);
    if (dup) return duplicateOf(d, dup);
  }
  const target =
    input.conversationId === undefined ? null : await d.storage.getConversation(input.conversationId);
  if (input.conversationId !== undefined && target?.siteId !== site.id) {
    throw sbError(ErrorCode.NotFound, 'No such conversation on this site');
  }
  const byId = target?.visitorId ?? input.visitorId;
  let visitor =
    byId !== undefined
      ? await d.storage.getVisitor(byId)
      : await d.storage.findVisitorByExternalId(site.id, input.userId ?? '');
  if (byId !== undefined && visitor?.siteId !== site.id) {
    throw sbError(ErrorCode.NotFound, 'No such visitor on this site');
  }
  const userId = input.userId ?? '';
  if (!visitor) {
    // The shop backend vouches for its own user ids.
    visitor = {
      id: newId('v'),
      siteId: site.id,
      externalId: userId,
      name: null,
      email: null,
      verified: true,
      attributes: {},
      createdAt: now,
      lastSeenAt: now,
    };
    await d.storage.createVisitor(visitor);
  }
  const visitorId = visitor.id;
  return d.locks.run(visitorId, async () => {
    let conv = target ?? (await d.conversations.current(visitorId));
    if (!conv) {
      conv = await d.storage.createConversation({
        siteId: site.id,
        visitorId,
        department: null,
        status: 'closed',
        at: now,
        outbox: await d.webhooks.of(site.id),
      });
    }
    const line = SystemLines.notice(noticeText);
    const event = {
      ...line.event,
      ...(input.title ? { title: input.title } : {}),
      ...(input.url ? { url: input.url } : {}),
    };
    const r = await d.writer.append({
      outbox: await d.webhooks.of(site.id),
      conversationId: conv.id,
      sender,
      cid: input.id ?? null,
      text: line.text,
      author: { kind: 'system', name: site.name },
      event,
      at: now,
    });
    if (!r.ok) throw sbError(ErrorCode.Internal);
    if (r.duplicate) return duplicateOf(d, r.message);
    d.messages.publish(r.conversation, r.message);
    return {
      delivered: d.hub.heldAnywhere(Topic.visitor(visitorId)),
      conversationId: conv.id,
      seq: r.message.seq,
      duplicate: false,
    };
  });
}

/** A notification sent before: where it is, and whether its shopper is online now. */
async function duplicateOf(d: NotifyDeps, m: Message): Promise<Notified> {
  const conv = await d.storage.getConversation(m.conversationId);
  return {
    delivered: conv !== null && d.hub.heldAnywhere(Topic.visitor(conv.visitorId)),
    conversationId: m.conversationId,
    seq: m.seq,
    duplicate: true,
  };
}
