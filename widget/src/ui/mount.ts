import { render } from 'preact';
import { $strings, format } from '../locales';
import { $open } from '../stores/open';
import { $site } from '../stores/site';
import { $unread } from '../stores/unread';
import type { CoreUi } from '../widget';
import { brand } from './brand';
import { ChatIcon } from './icons';
import panelCss from './panel.css?inline';
import type { ShowPanel } from './panel-entry';
import css from './styles.css?inline';

/**
 * Creates the isolated host — a div with an open shadow root and the widget's CSS as a
 * constructed stylesheet, whose `:host` rule (all !important) places and isolates the host
 * itself — with the launcher in it, drawn with plain DOM but for its icon (the panel's icon
 * helper, one two-node render). Opening shows the panel (`show`, in the same file: nothing to fetch, so it
 * opens whatever the network does); closing removes it and returns focus to the launcher.
 * Returns the function that removes all of it.
 */
export function mount(ui: CoreUi, show: ShowPanel): () => void {
  const { config } = ui;
  const host = document.createElement('div');
  host.id = 'switchboard-widget';
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css + panelCss);
  root.adoptedStyleSheets = [sheet];
  const add = <K extends keyof HTMLElementTagNameMap>(tag: K, parent: Node, className = '') =>
    parent.appendChild(Object.assign(document.createElement(tag), { className }));

  const box = add('div', root, `sb sb-${config.position}`);
  const launcher = config.launcher ? add('button', box, 'launcher') : null;
  // The panel renders into its own element: Preact owns that subtree only.
  const slot = add('div', box);
  let badge: HTMLElement | undefined;
  if (launcher) {
    // No `type`: outside a form a button submits nothing.
    launcher.onclick = () => $open.set(true);
    render(ChatIcon(), launcher);
    badge = add('span', launcher, 'badge');
    badge.setAttribute('aria-hidden', 'true');
  }

  const paintColor = () => {
    const [color, on] = brand(config.color, $site.get()?.color);
    box.style.setProperty('--c', color);
    box.style.setProperty('--on', on);
  };
  const paintLauncher = () => {
    const open = $open.get();
    const n = $unread.get();
    if (!launcher || !badge) return;
    launcher.hidden = open;
    // setAttribute, not ariaLabel/ariaExpanded: ARIA reflection is Firefox 119+.
    launcher.setAttribute('aria-expanded', String(open));
    const t = $strings.get();
    launcher.setAttribute('aria-label', n ? `${t.openChat}, ${format(t.unread, { n })}` : t.openChat);
    badge.hidden = !n;
    badge.textContent = n > 9 ? '9+' : String(n);
  };

  let hidePanel: (() => void) | undefined;
  let restoreTo: Element | null = null;
  const onOpen = (open: boolean) => {
    paintLauncher();
    if (open) {
      restoreTo = document.activeElement;
      if (!hidePanel) hidePanel = show(slot, ui);
    } else if (hidePanel) {
      hidePanel();
      hidePanel = undefined;
      // Focus was inside the panel (now gone): return it to the launcher, or where it was.
      const active = document.activeElement;
      if (!active || active === document.body || active === host) {
        ((launcher ?? restoreTo) as HTMLElement | null)?.focus?.();
      }
    }
  };

  paintColor();
  const stops = [
    $site.listen(paintColor),
    $unread.listen(paintLauncher),
    $strings.listen(paintLauncher),
    $open.listen(onOpen),
  ];
  (document.body ?? document.documentElement).appendChild(host);
  onOpen($open.get());
  return () => {
    for (const stop of stops) stop();
    hidePanel?.();
    host.remove();
  };
}
