import { useEffect, useMemo, useRef } from 'preact/hooks';
import { format } from '../locales';
import { $open } from '../stores/open';
import { $site } from '../stores/site';
import { $unread } from '../stores/unread';
import type { UiContext } from '../widget';
import { brand } from './brand';
import { ChatIcon } from './icons';
import { Panel } from './Panel';
import { useStore } from './use-store';

export function App({ ui }: { ui: UiContext }) {
  const open = useStore($open);
  const unread = useStore($unread);
  const site = useStore($site);
  const launcher = useRef<HTMLButtonElement>(null);
  const restoreTo = useRef<Element | null>(null);
  const wasOpen = useRef(false);
  const { config, t } = ui;
  const [color, onColor] = useMemo(() => brand(config.color, site?.color), [config.color, site?.color]);

  useEffect(() => {
    if (open) {
      restoreTo.current = document.activeElement;
      wasOpen.current = true;
      return;
    }
    if (!wasOpen.current) return;
    wasOpen.current = false;
    // Focus was inside the panel (now gone): return it to the launcher, or where it was.
    const active = document.activeElement;
    if (!active || active === document.body || active.id === 'switchboard-widget') {
      (launcher.current ?? (restoreTo.current as HTMLElement | null))?.focus?.();
    }
  }, [open]);

  const label = unread ? `${t.openChat}, ${format(t.unread, { n: unread })}` : t.openChat;
  return (
    <div class={`sb sb-${config.position}`} style={{ '--c': color, '--on': onColor }}>
      {config.launcher && (
        <button
          ref={launcher}
          type="button"
          class="launcher"
          hidden={open}
          aria-label={label}
          aria-expanded={open}
          onClick={() => $open.set(true)}
        >
          <ChatIcon />
          {unread > 0 && (
            <span class="badge" aria-hidden="true">
              {unread > 9 ? '9+' : unread}
            </span>
          )}
        </button>
      )}
      {open && <Panel ui={ui} />}
    </div>
  );
}
