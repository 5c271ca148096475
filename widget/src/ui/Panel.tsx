import {
  $agentsOnline,
  $connection,
  $conversation,
  $messages,
  $open,
  $outbox,
  $proactive,
  $site,
  format,
  RTL_LOCALES,
} from '../shared';
import type { UiContext } from '../widget';
import { Composer } from './Composer';
import { useEffect, useState } from './hooks';
import { closeIcon } from './icons';
import { Log } from './Log';
import { Prechat } from './Prechat';
import { useStore } from './use-store';

/** Follows the visual viewport (on-screen keyboard) for the full-screen phone layout. */
function useViewport(): Record<string, string> {
  const vv = visualViewport!; // every browser since 2021
  const read = (): Record<string, string> => ({ '--vh': `${vv.height}px`, '--vt': `${vv.offsetTop}px` });
  const [vars, setVars] = useState(read);
  useEffect(() => {
    const update = () => setVars(read());
    // An AbortController has the `signal` an options object needs: one abort removes both.
    const off = new AbortController();
    for (const type of ['resize', 'scroll']) vv.addEventListener(type, update, off);
    return () => off.abort();
  }, []);
  return vars;
}

/**
 * On phones the panel covers the page: the page must not scroll behind it. Locks the
 * root's inline `overflow` while open and puts back exactly what was there.
 */
function useScrollLock(): void {
  useEffect(() => {
    if (!matchMedia('(max-width: 479.98px)').matches) return;
    const s = document.documentElement.style;
    const value = s.getPropertyValue('overflow');
    const priority = s.getPropertyPriority('overflow');
    s.setProperty('overflow', 'hidden', 'important');
    return () => s.setProperty('overflow', value, priority);
  }, []);
}

export function Panel({ ui }: { ui: UiContext }) {
  const { config, t, kv } = ui;
  const connection = useStore($connection);
  const agentsOnline = useStore($agentsOnline);
  const site = useStore($site);
  const messages = useStore($messages);
  const outbox = useStore($outbox);
  const conversation = useStore($conversation);
  const proactive = useStore($proactive);
  const viewport = useViewport();
  useScrollLock();
  const [prechatDone, setPrechatDone] = useState(() => !!kv.get('prechat'));
  // The site's title and greeting are written in one language (the owner's), so they
  // apply to English pages; other locales use their own defaults unless the tag sets one.
  const fromSite = config.locale === 'en' ? site : null;
  const title = config.title ?? fromSite?.title ?? t.title;
  const rtl = RTL_LOCALES.includes(config.locale);
  const wantsPrechat =
    (config.prechat.name && !config.user?.name) || (config.prechat.email && !config.user?.email);
  const showPrechat = wantsPrechat && !prechatDone && !messages.length && !outbox.length;

  // Leave a message: nobody online, outside business hours, or the server unreachable.
  const away = connection === 'down' || (connection === 'online' && (!agentsOnline || site?.open === false));
  // Formatted by the server in this locale; the zone line only when it is not the visitor's own.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const hours = (site?.hoursText?.[config.locale] ?? []).filter((line) => line !== zone);
  // Only a queued conversation has a place (conversation.ts drops it on any other status).
  const q = connection === 'online' && conversation?.q;
  const status = q
    ? format(t.queue, { n: q.queuePosition as number }) +
      (q.queueWaitMs ? ` · ${format(t.wait, { n: q.queueWaitMs / 6e4 })}` : '')
    : connection === 'online' || connection === 'idle'
      ? agentsOnline
        ? t.online
        : t.away
      : // offline, unavailable and connecting have a string of their name; down says connecting.
        t[connection === 'down' ? 'connecting' : connection];

  return (
    <div
      class="panel"
      role="dialog"
      aria-label={title}
      lang={config.locale}
      dir={rtl ? 'rtl' : 'ltr'}
      style={viewport}
      // Files dropped anywhere on the panel go like picked ones (not before the pre-chat form).
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        const files = e.dataTransfer!.files;
        if (files[0] && !showPrechat) {
          e.preventDefault();
          for (const f of files) ui.client.attach(f);
        }
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          $open.set(false);
        }
      }}
    >
      <div class="head">
        <div class="head-text">
          <h2 class="title">{title}</h2>
          <p class="status" role="status">
            <i
              class={`dot dot-${connection === 'online' && agentsOnline ? 'on' : connection}`}
              aria-hidden="true"
            />
            {status}
          </p>
        </div>
        <button type="button" class="icon-btn" aria-label={t.close} onClick={() => $open.set(false)}>
          {closeIcon()}
        </button>
      </div>
      {away && (
        <div class="away">
          <p>{t.awayNote}</p>
          {hours[0] && (
            <p class="hours">
              {hours.map((line) => (
                <span key={line}>{line}</span>
              ))}
            </p>
          )}
        </div>
      )}
      <Log ui={ui} greeting={proactive?.r.text ?? config.greeting ?? fromSite?.greeting ?? t.greeting} />
      {showPrechat ? (
        <Prechat
          ui={ui}
          onDone={() => {
            kv.set('prechat', '1');
            setPrechatDone(true);
          }}
        />
      ) : (
        <Composer ui={ui} away={away} />
      )}
    </div>
  );
}
