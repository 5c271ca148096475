import { useEffect, useState } from 'preact/hooks';
import { RTL_LOCALES } from '../locales';
import { $connection } from '../stores/connection';
import { $messages } from '../stores/messages';
import { $open } from '../stores/open';
import { $outbox } from '../stores/outbox';
import { $agentsOnline, $site } from '../stores/site';
import type { UiContext } from '../widget';
import { Composer } from './Composer';
import { ChatIcon, CloseIcon } from './icons';
import { Log } from './Log';
import { Prechat } from './Prechat';
import { useStore } from './use-store';

/** Follows the visual viewport (on-screen keyboard) for the full-screen phone layout. */
function useViewport(): Record<string, string> {
  const vv = typeof visualViewport === 'undefined' ? null : visualViewport;
  const read = (): Record<string, string> =>
    vv ? { '--vh': `${vv.height}px`, '--vt': `${vv.offsetTop}px` } : {};
  const [vars, setVars] = useState(read);
  useEffect(() => {
    if (!vv) return;
    const update = () => setVars(read());
    vv.addEventListener('resize', update);
    vv.addEventListener('scroll', update);
    return () => {
      vv.removeEventListener('resize', update);
      vv.removeEventListener('scroll', update);
    };
  }, []);
  return vars;
}

export function Panel({ ui }: { ui: UiContext }) {
  const { config, t, kv } = ui;
  const connection = useStore($connection);
  const agentsOnline = useStore($agentsOnline);
  const site = useStore($site);
  const messages = useStore($messages);
  const outbox = useStore($outbox);
  const viewport = useViewport();
  const [prechatDone, setPrechatDone] = useState(() => !!kv.get('prechat'));
  // The site's title and greeting are written in one language (the owner's), so they
  // apply to English pages; other locales use their own defaults unless the tag sets one.
  const fromSite = config.locale === 'en' ? site : null;
  const title = config.title ?? fromSite?.title ?? t.title;
  const rtl = RTL_LOCALES.includes(config.locale);
  const wantsPrechat =
    (config.prechat.name && !config.user?.name) || (config.prechat.email && !config.user?.email);
  const showPrechat = wantsPrechat && !prechatDone && !messages.length && !outbox.length;

  const status =
    connection === 'offline'
      ? t.offline
      : connection === 'unavailable'
        ? t.unavailable
        : connection === 'online' || connection === 'idle'
          ? agentsOnline
            ? t.online
            : t.away
          : t.connecting;

  return (
    <div
      class="panel"
      role="dialog"
      aria-label={title}
      lang={config.locale}
      dir={rtl ? 'rtl' : 'ltr'}
      style={viewport}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          $open.set(false);
        }
      }}
    >
      <div class="head">
        <span class="avatar" aria-hidden="true">
          <ChatIcon />
        </span>
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
          <CloseIcon />
        </button>
      </div>
      <Log ui={ui} greeting={config.greeting ?? fromSite?.greeting ?? t.greeting} />
      {showPrechat ? (
        <Prechat
          ui={ui}
          onDone={() => {
            kv.set('prechat', '1');
            setPrechatDone(true);
          }}
        />
      ) : (
        <Composer ui={ui} />
      )}
    </div>
  );
}
