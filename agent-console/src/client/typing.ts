import type { AgentTypingFrame } from '@switchboard/protocol';

/** Throttles typing frames: at most one `on` per 2 s, `off` after 4 s idle or on send. */
export interface TypingSender {
  typed(conversationId: string): void;
  stopTyping(conversationId: string): void;
  stop(): void;
}

export const TYPING_ON_EVERY_MS = 2_000;
export const TYPING_IDLE_MS = 4_000;

export function createTypingSender(
  send: (frame: AgentTypingFrame) => void,
  now: () => number = Date.now,
): TypingSender {
  let conversation: string | null = null;
  let lastOn = 0;
  let idle: ReturnType<typeof setTimeout> | null = null;

  function off(): void {
    if (idle) clearTimeout(idle);
    idle = null;
    if (conversation) send({ type: 'typing', conversationId: conversation, on: false });
    conversation = null;
    lastOn = 0;
  }

  return {
    typed(conversationId) {
      if (conversation && conversation !== conversationId) off();
      if (conversation !== conversationId || now() - lastOn >= TYPING_ON_EVERY_MS) {
        conversation = conversationId;
        lastOn = now();
        send({ type: 'typing', conversationId, on: true });
      }
      if (idle) clearTimeout(idle);
      idle = setTimeout(off, TYPING_IDLE_MS);
    },
    stopTyping(conversationId) {
      if (conversation === conversationId) off();
    },
    stop() {
      if (idle) clearTimeout(idle);
      idle = null;
      conversation = null;
    },
  };
}
