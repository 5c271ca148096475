import { map } from 'nanostores';

/**
 * Conversations whose visitor is typing, with the time the indicator expires. An `on` frame
 * lasts a few seconds at most, so a lost `off` (dropped socket) cannot leave it on forever.
 */
export const $visitorTyping = map<Record<string, number>>({});

export const TYPING_TTL_MS = 6_000;

export function setVisitorTyping(conversationId: string, on: boolean, now: number = Date.now()): void {
  if (on) {
    $visitorTyping.setKey(conversationId, now + TYPING_TTL_MS);
  } else if (conversationId in $visitorTyping.get()) {
    const { [conversationId]: _gone, ...rest } = $visitorTyping.get();
    $visitorTyping.set(rest);
  }
}

export function isTyping(expiresAt: number | undefined, now: number = Date.now()): boolean {
  return expiresAt !== undefined && expiresAt > now;
}
