/**
 * The shopper's strings: English is built in; another locale shows from the page's storage
 * at once when a previous visit kept it, and is (re)fetched from the server when missing or
 * a day old. Offline or refused, whatever is shown stays: the widget never waits for this.
 */
import { $strings, english, stringsOf } from './locales';
import type { KV } from './storage';

/** A kept table is fetched again after this long (a new release may reword it). */
const FRESH_MS = 86_400_000;

export async function loadStrings(
  locale: string,
  kv: KV,
  server: string,
  fetchFn: typeof fetch,
  now = Date.now(),
): Promise<void> {
  $strings.set(english);
  if (locale === 'en') return;
  const key = `strings:${locale}`;
  const kept = kv.get(key) ?? '';
  const cut = kept.indexOf('\n');
  const cached = cut > 0 ? stringsOf(kept.slice(cut + 1)) : undefined;
  if (cached) $strings.set(cached);
  if (cached && now - Number(kept.slice(0, cut)) < FRESH_MS) return;
  try {
    const r = await fetchFn(`${server}/api/widget/strings/${locale}`);
    const table = r.ok ? ((await r.json()) as { strings?: unknown }).strings : null;
    const fresh = typeof table === 'string' ? stringsOf(table) : undefined;
    if (!fresh) return;
    kv.set(key, `${now}\n${table}`);
    $strings.set(fresh);
  } catch {}
}
