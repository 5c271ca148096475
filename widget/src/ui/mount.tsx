import { render } from 'preact';
import { $strings, format, type Strings } from '../locales';
import { $open } from '../stores/open';
import { $site } from '../stores/site';
import { $unread } from '../stores/unread';
import type { CoreUi } from '../widget';
import { brand } from './brand';
import { ChatIcon } from './icons';
import { Panel } from './Panel';
import panelCss from './panel.css?inline';
import css from './styles.css?inline';

type LauncherRef = { current: HTMLButtonElement | null };
type WidgetProps = {
  ui: CoreUi;
  open: boolean;
  n: number;
  t: Strings;
  /** The brand color and the text color on it. */
  colors: string[];
  launcher: LauncherRef;
};

/** The launcher with its unread badge and, while open, the panel (in the strings shown now). */
function Widget({ ui, open, n, t, colors: [c, on], launcher }: WidgetProps) {
  const { config } = ui;
  return (
    <div class={`sb sb-${config.position}`} style={{ '--c': c, '--on': on }}>
      {config.launcher && (
        <button
          type="button"
          ref={launcher}
          class="launcher"
          hidden={open}
          aria-expanded={open}
          aria-label={n ? `${t.openChat}, ${format(t.unread, { n })}` : t.openChat}
          onClick={() => $open.set(true)}
        >
          <ChatIcon />
          <span class="badge" aria-hidden="true" hidden={!n}>
            {n > 9 ? '9+' : n}
          </span>
        </button>
      )}
      {open && <Panel ui={{ ...ui, t }} />}
    </div>
  );
}

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
  const launcher: LauncherRef = { current: null };
  let colors: string[];
  const paint = () =>
    render(
      <Widget
        ui={ui}
        open={$open.get()}
        n={$unread.get()}
        t={$strings.get()}
        colors={colors}
        launcher={launcher}
      />,
      root,
    );
  /** `brand` draws on a canvas: only when the site's color may have changed. */
  const paintColor = () => {
    colors = brand(config.color, $site.get()?.color);
  };

  let shown = false;
  let restoreTo: Element | null = null;
  const onOpen = (open: boolean) => {
    if (open) restoreTo = document.activeElement;
    paint();
    if (shown && !open) {
      // Focus was inside the panel (now gone): return it to the launcher, or where it was.
      const active = document.activeElement;
      if (!active || active === document.body || active === host) {
        ((launcher.current ?? restoreTo) as HTMLElement | null)?.focus?.();
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
    $unread.listen(paint),
    $strings.listen(paint),
    $open.listen(onOpen),
  ];
  (document.body ?? document.documentElement).appendChild(host);
  onOpen($open.get());
  return () => {
    for (const stop of stops) stop();
    render(null, root);
    host.remove();
  };
}
