import type { ConversationSummary } from '@switchboard/protocol';
import { $conversations } from '../stores/conversations.js';
import { $session } from '../stores/session.js';
import { visitorName } from './format.js';

/** Ask for permission to notify — only from a user gesture (sign-in), and only once. */
export function askNotificationPermission(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
    void Notification.requestPermission().catch(() => undefined);
  }
}

/**
 * What deserves a system notification while the tab is hidden: a visitor wrote in one of my
 * conversations, or a new conversation entered the queue.
 */
export function notificationFor(
  before: ConversationSummary | undefined,
  after: ConversationSummary,
  myId: string | undefined,
): { title: string; body: string } | null {
  const last = after.lastMessage;
  if (last?.authorKind !== 'visitor' || (before && before.lastSeq >= after.lastSeq)) return null;
  const name = visitorName(after.visitor);
  if (after.status === 'assigned' && after.agent?.id === myId) return { title: name, body: last.text };
  if (after.status === 'queued' && before?.status !== 'queued')
    return { title: `New in queue: ${name}`, body: last.text };
  return null;
}

export function bindNotifications(): () => void {
  let previous = $conversations.get();
  return $conversations.listen((all) => {
    const before = previous;
    previous = all;
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    if (document.visibilityState !== 'hidden') return;
    const myId = $session.get()?.agent.id;
    for (const c of Object.values(all)) {
      if (c === before[c.id]) continue;
      const n = notificationFor(before[c.id], c, myId);
      if (n) new Notification(n.title, { body: n.body, tag: c.id });
    }
  });
}
