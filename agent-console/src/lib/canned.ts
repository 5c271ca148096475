/**
 * Canned responses in the reply box, as pure functions: when a draft asks for the list (it
 * starts with `/` and is one word), which responses match, and the text inserted with its
 * placeholders filled in.
 */
import type { ApiCanned } from '@switchboard/protocol';

/** The filter typed after `/` (`/ret` → `ret`), or null when the draft is not asking for the list. */
export function cannedQuery(draft: string): string | null {
  const m = /^\/([^\s/]*)$/.exec(draft);
  return m ? (m[1] ?? '').toLowerCase() : null;
}

/**
 * The responses for a filter: shortcuts starting with it first, then shortcuts or texts
 * containing it (case-insensitive), each group by shortcut.
 */
export function matchCanned(all: readonly ApiCanned[], query: string): ApiCanned[] {
  const q = query.toLowerCase();
  const starts = all.filter((c) => c.shortcut.startsWith(q));
  const contains = all.filter(
    (c) => !c.shortcut.startsWith(q) && (c.shortcut.includes(q) || c.text.toLowerCase().includes(q)),
  );
  const byShortcut = (a: ApiCanned, b: ApiCanned) => (a.shortcut < b.shortcut ? -1 : 1);
  return [...starts.sort(byShortcut), ...contains.sort(byShortcut)];
}

export interface PlaceholderValues {
  visitorName: string | null | undefined;
  visitorEmail: string | null | undefined;
  agentName: string;
}

/**
 * The text with `{visitor.name}`, `{visitor.email}` and `{agent.name}` filled in (a visitor
 * without a name is "there": "Hi there"); anything else in braces stays as written.
 */
export function expandCanned(text: string, v: PlaceholderValues): string {
  const values: Record<string, string> = {
    'visitor.name': v.visitorName?.trim() || 'there',
    'visitor.email': v.visitorEmail?.trim() || '',
    'agent.name': v.agentName,
  };
  return text.replace(
    /\{(visitor\.name|visitor\.email|agent\.name)\}/g,
    (_m, key: string) => values[key] ?? '',
  );
}
