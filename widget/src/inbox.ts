/**
 * Applies server frames to the stores. No sockets here: the client feeds frames in,
 * tests feed adversarial orderings in directly.
 */
import type { ConversationSummary, ErrorCode, Message, ServerFrame } from '@switchboard/protocol';
import type { Emitter } from './events';
import type { KV } from './storage';
import { $conversation, applySummary, markRead } from './stores/conversation';
import { $messages, addMessages } from './stores/messages';
import { findEntry, patch, removeEntry } from './stores/outbox';
import { $agentsOnline, $site } from './stores/site';
import { setTyping } from './stores/typing';

/** Refusals that are about timing, not content: the message is resent automatically. */
// Codes are written as literals but typed by the protocol's ErrorCode union: a typo or a
// renamed code fails the type-check, and the widget does not ship the whole code table.
export const RETRYABLE_ERRORS: readonly ErrorCode[] = [
  'SB_ERR_RATE_LIMITED',
  'SB_ERR_INTERNAL',
  'SB_ERR_UNAVAILABLE',
  'SB_ERR_NOT_READY',
];

export interface InboxDeps {
  kv: KV;
  emit: Emitter['emit'];
  /** Replay finished: flush the outbox and pending frames. */
  onSynced(): void;
  /** A message was refused for a transient reason: resend it a little later. */
  retrySoon(cid: string): void;
}

/** What `Switchboard('on', 'message', fn)` receives. */
export const publicMessage = (m: Message) => ({
  id: m.id,
  seq: m.seq,
  text: m.text,
  author: { kind: m.author.kind, name: m.author.name },
  at: m.at,
});

export function createInbox(d: InboxDeps): (frame: ServerFrame) => void {
  // Highest seq already announced through the `message` event, per conversation and
  // across page loads, so replayed history does not fire again. Unknown (first run):
  // the first replay becomes the baseline.
  const [seenConv, seenSeq] = (d.kv.get('seen') ?? '').split(' ');
  let seen = seenConv ? { id: seenConv, seq: Number(seenSeq) || 0 } : null;
  let synced = false;

  /** Makes `id` the current conversation if it is (or is newer than) the current one. */
  const follow = (id: string, createdAt: number): boolean => {
    const cur = $conversation.get();
    if (cur?.id === id) return true;
    if (cur && createdAt < cur.createdAt) return false;
    $conversation.set({ id, status: 'queued', agentReadSeq: 0, visitorReadSeq: 0, createdAt });
    $messages.set([]);
    return true;
  };

  const take = (list: readonly Message[]) => {
    const cur = $conversation.get();
    const top = $messages.get().at(-1)?.seq ?? 0;
    const fresh = addMessages(cur ? list.filter((m) => m.conversationId === cur.id) : list);
    const baseline = !seen && !synced;
    for (const m of fresh) {
      if (m.cid) removeEntry(m.cid);
      // An older page (scroll-back) says nothing about whether the agent is typing now.
      if (m.author.kind === 'agent' && m.seq > top) setTyping(null);
      if (m.author.kind === 'visitor') continue;
      if (seen && seen.id === m.conversationId && m.seq <= seen.seq) continue;
      seen = { id: m.conversationId, seq: m.seq };
      if (!baseline) d.emit('message', publicMessage(m));
    }
    if (seen) d.kv.set('seen', `${seen.id} ${seen.seq}`);
  };

  /** A summary of the current conversation (a switch to another one starts an empty log). */
  const adopt = (c: ConversationSummary) => {
    if (applySummary(c)) $messages.set([]);
    d.kv.set('conv', c.id);
  };

  return (f) => {
    switch (f.type) {
      case 'welcome': {
        synced = false;
        if (f.role !== 'visitor') return;
        $site.set(f.site);
        $agentsOnline.set(f.site.agentsOnline);
        const current = f.conversations[0];
        if (current) adopt(current);
        return;
      }
      case 'history': {
        const cur = $conversation.get();
        if (!cur || cur.id === f.conversationId) take(f.messages);
        return;
      }
      case 'synced':
        synced = true;
        seen ??= { id: '', seq: 0 };
        d.onSynced();
        return;
      case 'message':
        if (follow(f.message.conversationId, f.message.at)) take([f.message]);
        return;
      case 'ack': {
        // Remembered even when the echoed message already took the entry out of the outbox.
        if (f.conversationId) d.kv.set('conv', f.conversationId);
        const entry = findEntry(f.cid);
        if (!entry || f.seq === undefined || !f.messageId || !f.conversationId) return;
        if (follow(f.conversationId, f.at ?? entry.at)) {
          take([
            {
              id: f.messageId,
              conversationId: f.conversationId,
              seq: f.seq,
              cid: f.cid,
              text: entry.text,
              author: { kind: 'visitor', name: '' },
              at: f.at ?? entry.at,
            },
          ]);
        }
        removeEntry(f.cid);
        return;
      }
      case 'error':
        if (!f.cid || !findEntry(f.cid)) return;
        if ((RETRYABLE_ERRORS as readonly string[]).includes(f.code)) d.retrySoon(f.cid);
        else patch(f.cid, { failed: f.code });
        return;
      case 'conversation': {
        const c = f.conversation;
        const cur = $conversation.get();
        if (!cur || cur.id === c.id || c.createdAt >= cur.createdAt) adopt(c);
        return;
      }
      case 'typing':
        if (f.from.kind === 'agent' && f.conversationId === $conversation.get()?.id) {
          setTyping(f.on ? f.from.name : null);
        }
        return;
      case 'read':
        markRead(f.by === 'agent' ? 'agentReadSeq' : 'visitorReadSeq', f.seq, f.conversationId);
        return;
      case 'presence':
        $agentsOnline.set(f.agentsOnline);
        return;
      case 'site': // an admin changed the settings (color, title, greeting, hours)
        $site.set(f.site);
        $agentsOnline.set(f.site.agentsOnline);
        return;
    }
  };
}
