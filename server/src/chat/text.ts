/** Small helpers the command modules share: text checks, refusals and acks. */
import type { AckFrame, ErrorCode, Message } from '@switchboard/protocol';
import { sbError } from '../errors.js';
import { checkText, type Decision } from '../routing/index.js';

export function ackOf(cid: string, m: Message): AckFrame {
  return { type: 'ack', cid, conversationId: m.conversationId, seq: m.seq, messageId: m.id, at: m.at };
}

export function throwIfRefused(
  d: Decision | { ok: true } | { ok: false; code: ErrorCode; message: string },
): void {
  if (!d.ok) throw sbError(d.code, d.message);
}

export function validText(text: string, maxChars: number): string {
  const checked = checkText(text, maxChars);
  if (!checked.ok) throw sbError(checked.code, checked.message);
  return checked.text;
}
