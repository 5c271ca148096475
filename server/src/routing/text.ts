import { charCount, ErrorCode } from '@switchboard/protocol';
import type { Refusal } from './conversation.js';

/** A lone UTF-16 surrogate: in `u` mode a paired surrogate is one code point, so only lone ones match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * No lone surrogate: a client id (cid) must be stored exactly as acked — a lone surrogate is
 * not valid UTF-8 and would come back from the store altered, and a retry would not match it.
 */
export function wellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
/**
 * Characters that show nothing on their own: whitespace, controls, format characters (zero-width
 * space/joiners, bidi marks, BOM, word joiner), variation selectors and the blank fillers
 * (combining grapheme joiner, Hangul fillers, braille blank). Text made only of these is empty.
 */
// Combining marks (U+034F, U+17B4/5, the Mongolian and Unicode variation selectors) go in their
// own alternatives: a class may not mix them with base characters.
const INVISIBLE =
  /[\s\p{Cc}\p{Cf}\p{Z}\u115F\u1160\u2800\u3164\uFFA0]|\u034F|\u17B4|\u17B5|[\u180B-\u180F]|[\uFE00-\uFE0F]/gu;

/**
 * Message text rules: well-formed Unicode (refused, never repaired, so the stored text is the
 * acked text), trimmed, not empty once invisible characters are removed, at most `maxChars`
 * code points.
 */
export function checkText(text: string, maxChars: number): { ok: true; text: string } | Refusal {
  if (LONE_SURROGATE.test(text)) {
    return {
      ok: false,
      code: ErrorCode.TextMalformed,
      message: 'Message text is not well-formed Unicode (it holds a lone surrogate)',
    };
  }
  const trimmed = text.trim();
  if (trimmed.replace(INVISIBLE, '').length === 0) {
    return { ok: false, code: ErrorCode.TextEmpty, message: 'Message text is empty' };
  }
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
