/**
 * The ONE matching rule of full-text search, for both stores: text and queries are normalised
 * here, in TypeScript (NFKD, marks removed, lower case, anything but letters and digits becomes
 * a space), so SQLite FTS5 and PostgreSQL's `simple` tsvector index the same words and a query
 * matches every indexed word it is a prefix of ("cafe" finds "Café", "ship" finds "shipped",
 * "hipped" does not). A query is only ever a list of such words: no FTS syntax reaches a store.
 */

/** At most this many words of a query count (the rest are ignored). */
export const MAX_QUERY_TERMS = 8;
/** A longer word is cut to this many characters (still a prefix of what it was). */
const MAX_TERM_LENGTH = 64;

const NOT_WORD = /[^\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/** The words of `text` as the index holds them, separated by single spaces. */
export function searchText(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(NOT_WORD, ' ').trim();
}

/** A query's words (normalised, deduplicated, at most MAX_QUERY_TERMS): empty when none is left. */
export function searchTerms(query: string): string[] {
  const words = searchText(query)
    .split(' ')
    .filter((w) => w !== '')
    .map((w) => w.slice(0, MAX_TERM_LENGTH));
  return [...new Set(words)].slice(0, MAX_QUERY_TERMS);
}

/** SQLite FTS5: every term as a quoted prefix (`"cafe"* "ship"*`, implicit AND). */
export function ftsMatch(terms: readonly string[]): string {
  return terms.map((t) => `"${t}"*`).join(' ');
}

/** PostgreSQL `to_tsquery('simple', …)`: every term as a prefix (`cafe:* & ship:*`). */
export function tsQuery(terms: readonly string[]): string {
  return terms.map((t) => `'${t}':*`).join(' & ');
}

/** The visitor fields search looks in: name and email. */
export function visitorSearchText(v: { name: string | null; email: string | null }): string {
  return searchText(`${v.name ?? ''} ${v.email ?? ''}`);
}

export interface SnippetPart {
  text: string;
  match: boolean;
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * A short excerpt of `text` around its first matching word, split into parts with the words
 * that match a term (by the same rule as the index) marked, for the console to highlight.
 */
export function snippet(text: string, terms: readonly string[], radius = 60): SnippetPart[] {
  const hits: [number, number][] = [];
  for (const m of text.matchAll(WORD)) {
    const words = searchText(m[0]).split(' ');
    if (words.some((w) => terms.some((t) => w.startsWith(t)))) hits.push([m.index, m.index + m[0].length]);
  }
  const first = hits[0];
  let from = 0;
  let to = text.length;
  if (first && text.length > radius * 2) {
    from = Math.max(0, first[0] - radius);
    to = Math.min(text.length, first[1] + radius * 2);
    // Cut at spaces, so no word is shown half.
    if (from > 0) from = text.indexOf(' ', from) + 1 || from;
    if (to < text.length) to = text.lastIndexOf(' ', to) > first[1] ? text.lastIndexOf(' ', to) : to;
  } else if (!first) {
    to = Math.min(text.length, radius * 2);
  }
  const parts: SnippetPart[] = [];
  const push = (s: string, match: boolean) => {
    if (s !== '') parts.push({ text: s, match });
  };
  let at = from;
  for (const [a, b] of hits) {
    if (b <= from || a >= to) continue;
    push(text.slice(at, a), false);
    push(text.slice(a, b), true);
    at = b;
  }
  push(text.slice(at, to), false);
  if (from > 0) parts.unshift({ text: '…', match: false });
  if (to < text.length) parts.push({ text: '…', match: false });
  return parts;
}
