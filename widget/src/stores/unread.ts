import type { Message } from '@switchboard/protocol';
import { computed } from '../store';
import { $conversation } from './conversation';
import { $messages } from './messages';
import { $proactive } from './proactive';

/** Agent replies and shop notices count as unread; the visitor's own and status lines do not. */
export const countsAsUnread = (m: Message): boolean =>
  m.author.kind === 'agent' || m.event?.kind === 'notice';

export const $unread = computed([$messages, $conversation, $proactive], () => {
  const readSeq = $conversation.get()?.visitorReadSeq ?? 0;
  return (
    $messages.get().filter((m) => m.seq > readSeq && countsAsUnread(m)).length + ($proactive.get()?.n ?? 0)
  );
});
