/**
 * Proactive messages: what admins define (`/api/v1/sites/:site/proactive-messages`), what the
 * widget gets (`GET /api/sites/:site/proactive`: enabled rules only, the URL pattern as a RegExp
 * source), and the line a reply starts its conversation with.
 */
import type { PublicProactiveRule } from '@switchboard/protocol';
import type { ProactiveRecord } from '../storage/types.js';

/**
 * A URL glob as an anchored RegExp source: `*` matches anything, everything else itself. A pattern
 * starting with `/` matches the path (and query) on every host: `/pricing*` is
 * `^https?://[^/]+/pricing.*$`.
 */
export function globToRegExp(pattern: string): string {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}/]/g, '\\$&'))
    .join('.*');
  return `^${pattern.startsWith('/') ? 'https?:\\/\\/[^/]+' : ''}${body}$`;
}

/** The widget's view of the site's enabled rules. */
export function publicRules(records: readonly ProactiveRecord[]): PublicProactiveRule[] {
  return records
    .filter((p) => p.rule.enabled)
    .map(({ id, rule }) => ({
      id,
      text: rule.text,
      after: rule.seconds,
      ...(rule.trigger === 'page' && rule.urlPattern !== null && { url: globToRegExp(rule.urlPattern) }),
      ...(rule.trigger === 'returning' && { returning: true as const }),
      ...(rule.trigger === 'attribute' &&
        rule.attribute !== null && { attr: rule.attribute, value: rule.value ?? '' }),
    }));
}

/** What a rule needs for its trigger, or the reason it is incomplete (a 400). */
export function incomplete(rule: ProactiveRecord['rule']): string | null {
  if (rule.trigger === 'page' && rule.urlPattern === null) return 'urlPattern: required for a page trigger';
  if (rule.trigger === 'attribute' && (rule.attribute === null || rule.value === null))
    return 'attribute and value: required for an attribute trigger';
  return null;
}
