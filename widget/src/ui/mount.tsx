import { render } from 'preact';
import { $strings, format } from '../locales';
import { $open } from '../stores/open';
import { $site } from '../stores/site';
import { $unread } from '../stores/unread';
import type { CoreUi } from '../widget';
import { brand } from './brand';
import { chatIcon } from './icons';
import { Panel } from './Panel';
import panelCss from './panel.css?inline';
import css from './styles.css?inline';

/**
 * Creates the isolated host — a div with an open shadow root and the widget's CSS as a
 * constructed stylesheet, whose `:host` rule (all !important) places and isolates the host
 * itself — and renders the launcher and the panel into it, again (synchronously) whenever the
 * open state, the unread count, the strings or the site's color change, so focus can go back
 * to the launcher right after the panel is gone. The panel is in the same file: it opens
 * whatever the network does. Returns the function that removes all of it.
 */
export function mount(ui: CoreUi): () => void {
  const { config } = ui;
  const host = document.createElement('div');
  host.id = 'switchboard-widget';
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css + panelCss);
  root.adoptedStyleSheets = [sheet];
  /** The brand color and the text color on it. */
  let colors: [string, string];
  /** `brand` draws on a canvas: only when the site's color may have changed. */
  const paintColor = () => {
    colors = brand(config.color, $site.get()?.color);
  };

  let shown = false;
  let restoreTo: Element | null = null;
  // Whichever listener paints first after `$open` changed shows or removes the panel: the
  // widget's own `$open` listener and the page's open/close handlers run before ours and may
  // change another of these stores first.
  const paint = () => {
    const open = $open.get();
    if (open && !shown) restoreTo = document.activeElement;
    const n = $unread.get();
    const t = $strings.get();
    // The launcher with its unread badge and, while open, the panel (in the strings shown now).
    render(
      <div class={`sb sb-${config.position}`} style={{ '--c': colors[0], '--on': colors[1] }}>
        {config.launcher && (
          <button
            type="button"
            class="launcher"
            hidden={open}
            aria-expanded={open}
            aria-label={n ? `${t.openChat}, ${format(t.unread, { n })}` : t.openChat}
            onClick={() => $open.set(true)}
          >
            {chatIcon()}
            <span class="badge" aria-hidden="true" hidden={!n}>
              {n > 9 ? '9+' : n}
            </span>
          </button>
        )}
        {open && <Panel ui={{ ...ui, t }} />}
      </div>,
      root,
    );
    if (shown && !open) {
      // Focus was inside the panel (now gone): return it to the launcher, or where it was.
      const active = document.activeElement;
      if (!active || active === document.body || active === host) {
        ((root.querySelector('.launcher') ?? restoreTo) as HTMLElement | null)?.focus?.();
      }
    }
    shown = open;
  };

  paintColor();
  const stops = [
    $site.listen(() => {
      paintColor();
      paint();
    }),
    // While open, the launcher (the count's only place) is hidden and the panel renders itself:
    // the count is painted when the panel closes.
    $unread.listen(() => {
      if (!$open.get()) paint();
    }),
    $strings.listen(paint),
    $open.listen(paint),
  ];
  (document.body ?? document.documentElement).appendChild(host);
  paint();
  return () => {
    for (const stop of stops) stop();
    render(null, root);
    host.remove();
  };
}
