import type { Message, Note } from '@switchboard/protocol';
import type { OutboxEntry } from '../stores/outbox.js';

/** One line of the transcript as the console shows it. */
export type TranscriptItem =
  | { kind: 'message'; key: string; message: Message; seen: boolean }
  | { kind: 'note'; key: string; note: Note }
  | { kind: 'pending'; key: string; entry: OutboxEntry };

/**
 * Messages in seq order, each internal note right after the message it followed (`afterSeq`),
 * then this agent's unacked replies and notes. Agent messages the visitor has read are `seen`.
 */
export function buildTranscript(
  messages: readonly Message[],
  notes: readonly Note[],
  pending: readonly OutboxEntry[],
  visitorReadSeq: number,
): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  let n = 0;
  const pushNotesUpTo = (seq: number) => {
    for (let note = notes[n]; note && note.afterSeq <= seq; note = notes[++n]) {
      items.push({ kind: 'note', key: `n:${note.id}`, note });
    }
  };
  for (const message of messages) {
    pushNotesUpTo(message.seq - 1);
    items.push({
      kind: 'message',
      key: `m:${message.seq}`,
      message,
      seen: message.author.kind === 'agent' && message.seq <= visitorReadSeq,
    });
  }
  pushNotesUpTo(Number.POSITIVE_INFINITY);
  for (const entry of pending) items.push({ kind: 'pending', key: `p:${entry.cid}`, entry });
  return items;
}
