import { map } from 'nanostores';

/** Unsent composer text per conversation, so switching conversations keeps what was typed. */
export const $drafts = map<Record<string, string>>({});

export function setDraft(conversationId: string, text: string): void {
  if (text) {
    $drafts.setKey(conversationId, text);
  } else if (conversationId in $drafts.get()) {
    const { [conversationId]: _sent, ...rest } = $drafts.get();
    $drafts.set(rest);
  }
}
