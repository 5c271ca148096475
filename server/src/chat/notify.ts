/**
 * The shop backend's push (`POST /api/sites/:site/notify`): a system `notice` stored in the
 * user's latest conversation (a closed one is created if they have none) and pushed live.
 */

import { ErrorCode } from '@switchboard/protocol';
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
}

export async function notify(
  d: NotifyDeps,
  site: SiteRecord,
  userId: string,
  text: string,
): Promise<Notified> {
  const noticeText = validText(text, d.maxTextChars);
  const now = Date.now();
  let visitor = await d.storage.findVisitorByExternalId(site.id, userId);
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
    let conv = await d.conversations.current(visitorId);
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
    const r = await d.writer.append({
      outbox: await d.webhooks.of(site.id),
      conversationId: conv.id,
      sender: null,
      cid: null,
      text: line.text,
      author: { kind: 'system', name: site.name },
      event: line.event,
      at: now,
    });
    if (!r.ok) throw sbError(ErrorCode.Internal);
    d.messages.publish(r.duplicate ? conv : r.conversation, r.message);
    return {
      delivered: d.hub.heldAnywhere(Topic.visitor(visitorId)),
      conversationId: conv.id,
      seq: r.message.seq,
    };
  });
}
