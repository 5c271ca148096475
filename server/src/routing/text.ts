import { charCount, ErrorCode } from '@switchboard/protocol';
import type { Refusal } from './conversation.js';

/** Message text rules: trimmed, not empty, at most `maxChars` code points. */
export function checkText(text: string, maxChars: number): { ok: true; text: string } | Refusal {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, code: ErrorCode.TextEmpty, message: 'Message text is empty' };
  // Cheap pre-check: code points ≤ UTF-16 units, so only long strings need counting.
  if (trimmed.length > maxChars && charCount(trimmed) > maxChars) {
    return {
      ok: false,
      code: ErrorCode.TextTooLong,
      message: `Message text is longer than ${maxChars} characters`,
    };
  }
  return { ok: true, text: trimmed };
}
