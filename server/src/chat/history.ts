/**
 * Paged transcripts. No frame carries a whole conversation: a page holds at most
 * `messages` messages and `bytes` bytes of JSON (but always at least one message, and one
 * message is bounded by the text limit), so a long conversation costs the server one page
 * of memory per socket at a time, however far back a client resumes.
 *
 * - forward (a client that gives a cursor): every message with seq > cursor, page by page;
 * - backward (no cursor, or scroll-back with `before`): the newest page below a seq, and
 *   whether anything older exists.
 */
import type { Message, Note } from '@switchboard/protocol';
import type { Storage } from '../storage/types.js';
import type { Attachments } from './attachments.js';

export interface PageLimits {
  readonly messages: number;
  readonly bytes: number;
}

export interface Page {
  readonly messages: Message[];
  /** Forward: another page follows. Backward: messages below this page's first one exist. */
  readonly more: boolean;
}

/** Beyond any seq: "below this" means the newest page. */
export const NEWEST = Number.MAX_SAFE_INTEGER;

/** UTF-8 bytes an item adds to a frame's JSON array (the comma included). */
function jsonBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item)) + 1;
}

/**
 * The longest run of `list` from its start (or its end) that fits in `bytes`, never empty
 * unless `list` is.
 */
export function fitBytes<T>(list: readonly T[], bytes: number, from: 'start' | 'end'): T[] {
  let used = 0;
  let n = 0;
  while (n < list.length) {
    const item = list[from === 'start' ? n : list.length - 1 - n];
    used += jsonBytes(item);
    if (used > bytes && n > 0) break;
    n++;
  }
  return from === 'start' ? list.slice(0, n) : list.slice(list.length - n);
}

export class History {
  constructor(
    private readonly storage: Storage,
    private readonly limits: PageLimits,
    private readonly files: Pick<Attachments, 'linkAll'>,
  ) {}

  /** Every message with seq > since, in seq order, one bounded page at a time (at least one page). */
  async *forward(conversationId: string, since: number): AsyncGenerator<Page> {
    const max = this.limits.messages;
    let after = since;
    for (;;) {
      const rows = this.files.linkAll(await this.storage.messagesSince(conversationId, after, max + 1));
      const head = rows.slice(0, max);
      const messages = fitBytes(head, this.limits.bytes, 'start');
      const more = messages.length < rows.length;
      yield { messages, more };
      const last = messages[messages.length - 1];
      if (!more || !last) return;
      after = last.seq;
    }
  }

  /** The newest page of messages with seq < before; `more` = older messages exist. */
  async backward(conversationId: string, before: number): Promise<Page> {
    const max = this.limits.messages;
    const rows = this.files.linkAll(await this.storage.messagesBefore(conversationId, before, max + 1));
    const tail = rows.slice(Math.max(0, rows.length - max));
    const messages = fitBytes(tail, this.limits.bytes, 'end');
    return { messages, more: messages.length < rows.length };
  }

  /** The newest notes that fit one page's byte budget. */
  async notes(conversationId: string): Promise<Note[]> {
    return fitBytes(await this.storage.listNotes(conversationId), this.limits.bytes, 'end');
  }
}
