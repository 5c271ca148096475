/**
 * Proactive messages: the site's rules (`GET /api/sites/:site/proactive`, public and cached a
 * minute), fetched after the page's `load` and only for a visitor without a conversation, so
 * the shop's page never waits for them. A rule whose conditions hold `after` seconds into the
 * page is shown once per visitor (the ids shown are kept in `sb:<site>:pro`): its text becomes
 * the panel's greeting, and the panel opens without taking the focus on wide screens; on a
 * phone, where the panel would cover the shop, the launcher counts it as unread instead. Never
 * in a hidden tab nor while the visitor is in one of the page's fields (typing elsewhere): it
 * looks again a second later. The visitor's reply carries the rule's id (outbox.ts), so the
 * server starts the conversation with the proactive line (seq 1) and then the reply.
 */
import type { PublicProactiveRule } from '@switchboard/protocol';
import type { Config } from './config';
import type { KV } from './storage';
import { $open } from './stores/open';
import { $proactive } from './stores/proactive';

/** A new visit after this long away (what "returning visitor" means). */
const VISIT_GAP_MS = 1_800_000;

/**
 * Starts watching; returns the stop. `attr(name)`: the value `setAttributes` gave an identified
 * user (undefined for an anonymous visitor).
 */
export function watchProactive(
  { server, site }: Config,
  kv: KV,
  attr: (name: string) => string | undefined,
): () => void {
  const timers: ReturnType<typeof setTimeout>[] = [];
  let stopped = false;
  const now = Date.now();
  const last = Number(kv.get('at'));
  kv.set('at', `${now}`);
  const shown = () => (kv.get('pro') ?? '').split(' ');

  const show = (r: PublicProactiveRule, re?: RegExp) => {
    if (stopped || kv.get('conv') || $open.get() || $proactive.get() || shown().includes(r.id)) return;
    if (document.hidden || document.activeElement?.matches('input,textarea,select,[contenteditable]')) {
      timers.push(setTimeout(show, 1000, r, re));
      return;
    }
    if ((re && !re.test(document.URL)) || (r.attr && attr(r.attr) !== r.value)) return;
    kv.set('pro', shown().concat(r.id).join(' '));
    const wide = matchMedia('(min-width: 480px)').matches;
    $proactive.set({ r, n: +!wide });
    if (wide) $open.set(true);
  };

  const go = () =>
    fetch(`${server}/api/sites/${site}/proactive`)
      .then((res) => res.json())
      .then(({ rules }: { rules: PublicProactiveRule[] }) => {
        for (const r of rules) {
          if (!r.returning || (last && now - last > VISIT_GAP_MS))
            timers.push(setTimeout(show, r.after * 1000, r, r.url ? new RegExp(r.url) : undefined));
        }
      })
      .catch(() => {});
  if (!kv.get('conv')) {
    if (document.readyState === 'complete') go();
    else addEventListener('load', go, { once: true });
  }
  const unlisten = $open.listen((open) => {
    const p = $proactive.get();
    if (open && p?.n) $proactive.set({ ...p, n: 0 });
  });
  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    removeEventListener('load', go);
    unlisten();
  };
}
