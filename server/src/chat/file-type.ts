/**
 * What an upload is, by its bytes (never its name or the client's Content-Type): PNG, JPEG,
 * GIF, WebP or PDF, and whole — a file cut short in transit (no end marker, a RIFF size that
 * does not match) is refused too. Everything else (SVG, HTML, scripts, archives…) is refused,
 * so nothing the server stores can be served as a document that runs script.
 */
import type { AttachmentType } from '@switchboard/protocol';

export type Sniffed = { ok: true; type: AttachmentType } | { ok: false; reason: 'type' | 'truncated' };

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The IEND chunk every PNG ends with: length 0, "IEND", its CRC. */
const PNG_END = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  return b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
}
function ascii(b: Uint8Array, at: number, text: string): boolean {
  return startsWith(
    b,
    [...text].map((c) => c.charCodeAt(0)),
    at,
  );
}
/** The file without trailing NUL padding (some writers pad JPEG and PDF files). */
function trimmedEnd(b: Uint8Array): number {
  let n = b.length;
  while (n > 0 && (b[n - 1] === 0 || b[n - 1] === 0x0a || b[n - 1] === 0x0d || b[n - 1] === 0x20)) n--;
  return n;
}

export function sniff(b: Uint8Array): Sniffed {
  if (startsWith(b, PNG)) {
    return startsWith(b, PNG_END, b.length - PNG_END.length)
      ? { ok: true, type: 'image/png' }
      : { ok: false, reason: 'truncated' };
  }
  if (startsWith(b, [0xff, 0xd8, 0xff])) {
    const n = trimmedEnd(b);
    return b[n - 2] === 0xff && b[n - 1] === 0xd9
      ? { ok: true, type: 'image/jpeg' }
      : { ok: false, reason: 'truncated' };
  }
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) {
    return b[b.length - 1] === 0x3b ? { ok: true, type: 'image/gif' } : { ok: false, reason: 'truncated' };
  }
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) {
    const riff = b.length >= 12 ? new DataView(b.buffer, b.byteOffset, b.length).getUint32(4, true) : -1;
    // The RIFF size counts everything after its own 8 bytes (a chunk of odd size is padded).
    return riff + 8 === b.length || riff + 9 === b.length
      ? { ok: true, type: 'image/webp' }
      : { ok: false, reason: 'truncated' };
  }
  if (ascii(b, 0, '%PDF-')) {
    const tail = Buffer.from(b.subarray(Math.max(0, b.length - 1024))).toString('latin1');
    return tail.includes('%%EOF')
      ? { ok: true, type: 'application/pdf' }
      : { ok: false, reason: 'truncated' };
  }
  return { ok: false, reason: 'type' };
}

/** A file name fit to show and to put in a header: no path, no control or format characters, ≤ 255 chars. */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // Control and format characters (zero-width, bidi overrides) and lone surrogates go, as in
  // routing/text.ts: the name is shown, and put in a header.
  const whole = base.replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '').trim();
  const name = [...whole].slice(0, 255).join('');
  return name === '' || name === '.' || name === '..' ? 'file' : name;
}
