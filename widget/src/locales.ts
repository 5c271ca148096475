/**
 * The widget's strings. English is built in (`WIDGET_EN`); the shopper's locale, when it is
 * another one, comes from the server once (`GET /api/widget/strings/:locale`) and is kept
 * in the page's storage, so it shows at once next time, offline too (`strings-loader.ts`).
 * The tables themselves live in `@switchboard/protocol` (`strings.ts`).
 */
import { RTL_LOCALES, WIDGET_EN, WIDGET_KEYS, WIDGET_LOCALES } from '@switchboard/protocol';
import { atom } from './store';

type LauncherKey = 'openChat' | 'unread' | 'title' | 'newMessages';

type PanelKey =
  | 'close'
  | 'greeting'
  | 'message'
  | 'placeholder'
  | 'send'
  | 'sending'
  | 'notSent'
  | 'retry'
  | 'seen'
  | 'typing'
  | 'support'
  | 'connecting'
  | 'offline'
  | 'online'
  | 'away'
  | 'unavailable'
  | 'you'
  | 'closed'
  | 'reopened'
  | 'joined'
  | 'transferred'
  | 'name'
  | 'email'
  | 'startChat'
  | 'prechat'
  | 'badEmail'
  | 'awayNote'
  | 'earlier'
  | 'queue'
  | 'wait'
  | 'rate'
  | 'comment'
  | 'sendRating'
  | 'rated'
  | 'attach'
  | 'transcript'
  | 'mailTranscript'
  | 'mailed';

export type Strings = Record<LauncherKey | PanelKey, string>;

const KEYS = WIDGET_KEYS.split(' ') as (keyof Strings)[];

export const LOCALE_CODES: readonly string[] = WIDGET_LOCALES;
export { RTL_LOCALES };

/** A table's strings; undefined unless it has one non-empty string per key (a stale or broken copy). */
export function stringsOf(table: string): Strings | undefined {
  const values = table.split('|');
  if (values.length !== KEYS.length || values.includes('')) return undefined;
  return Object.fromEntries(KEYS.map((k, i) => [k, values[i]])) as Strings;
}

export const english = stringsOf(WIDGET_EN) as Strings;

/** The strings shown now: English until the shopper's locale is known (cached or fetched). */
export const $strings = atom<Strings>(english);

/** Best supported locale for a language tag (`pt-BR` → undefined, `es-MX` → `es`). */
export function supportedLocale(tag: string): string | undefined {
  const base = tag.toLowerCase().split('-')[0] ?? '';
  return LOCALE_CODES.includes(base) ? base : undefined;
}

/** Fills `{name}`-style placeholders. */
export function format(template: string, values: Record<string, string | number | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''));
}
