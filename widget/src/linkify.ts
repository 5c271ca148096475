/**
 * Splits message text into plain strings and links. The UI turns links into <a>
 * vnodes, so text is never parsed as HTML. Only http(s) links are produced.
 */
export interface Link {
  href: string;
  text: string;
}

export type Segment = string | Link;

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;

/** Drops sentence punctuation after a URL; keeps a `)` that closes a `(` inside it. */
function trim(url: string): string {
  const count = (c: string) => url.split(c).length - 1;
  while (/[.,;:!?)\]}'"»]$/.test(url)) {
    if (url.endsWith(')') && count('(') >= count(')')) break;
    url = url.slice(0, -1);
  }
  return url;
}

export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const url = trim(m[0]);
    const start = m.index ?? 0;
    if (/^(https?:\/\/|www\.)$/i.test(url)) continue;
    if (start > last) out.push(text.slice(last, start));
    out.push({ href: url.startsWith('www.') ? `https://${url}` : url, text: url });
    last = start + url.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
