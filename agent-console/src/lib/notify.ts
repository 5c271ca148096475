import type { ConversationSummary } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { openConversation } from '../client/client.js';
import { $activeId } from '../stores/active.js';
import { $alerts } from '../stores/alerts.js';
import { $connection } from '../stores/connection.js';
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

/**
 * Whether the agent is looking at this conversation right now: the console tab is visible and
 * it is the one open. Anything else (hidden tab, another conversation open) deserves an alert.
 */
export function watching(conversationId: string, hidden: boolean, activeId: string | null): boolean {
  return !hidden && activeId === conversationId;
}

let audio: AudioContext | undefined;
/** A short two-note chime; silent until the page has had a user gesture (browser rule). */
export function chime(): void {
  try {
    if (!navigator.userActivation?.hasBeenActive) return;
    audio ??= new AudioContext();
    const t = audio.currentTime;
    for (const [i, f] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.08, t + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.001, t + i * 0.12 + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + i * 0.12);
      osc.stop(t + i * 0.12 + 0.2);
    }
  } catch {
    // No audio output (headless, policy): the notification and the title still tell.
  }
}

/** What was alerted last (tests read it; one per change). */
export const $lastAlert = atom<{ conversationId: string; title: string; sound: boolean } | null>(null);

export function bindNotifications(): () => void {
  let previous = $conversations.get();
  return $conversations.listen((all) => {
    const before = previous;
    previous = all;
    // Only live changes: the welcome after sign-in or a reconnect fills the store with what was
    // already waiting, which must not ring once per conversation.
    if ($connection.get().phase !== 'live') return;
    const myId = $session.get()?.agent.id;
    const settings = $alerts.get();
    const hidden = document.visibilityState === 'hidden';
    for (const c of Object.values(all)) {
      if (c === before[c.id] || watching(c.id, hidden, $activeId.get())) continue;
      const n = notificationFor(before[c.id], c, myId);
      if (!n) continue;
      if (settings.sound) chime();
      $lastAlert.set({ conversationId: c.id, title: n.title, sound: settings.sound });
      if (settings.desktop && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
        const shown = new Notification(n.title, { body: n.body, tag: c.id });
        shown.onclick = () => {
          window.focus();
          openConversation(c.id);
          shown.close();
        };
      }
    }
  });
}
