import css from './styles.css?inline';

/**
 * Creates the isolated host: a div with `all: initial` (script-set, so allowed by a
 * strict CSP), an open shadow root, and the widget's CSS as a constructed stylesheet.
 * Returns the function that removes all of it.
 */
export function mount(
  renderInto: (root: ShadowRoot) => void,
  unrender: (root: ShadowRoot) => void,
): () => void {
  const host = document.createElement('div');
  host.id = 'switchboard-widget';
  const s = host.style;
  s.setProperty('all', 'initial', 'important');
  s.setProperty('direction', 'ltr', 'important');
  // Out of the page flow (no effect on flex/grid hosts); children are fixed to the viewport.
  for (const [k, v] of [
    ['display', 'block'],
    ['position', 'fixed'],
    ['top', '0'],
    ['left', '0'],
    ['width', '0'],
    ['height', '0'],
    ['z-index', '2147483000'],
  ]) {
    s.setProperty(k!, v!, 'important');
  }
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];
  (document.body ?? document.documentElement).appendChild(host);
  renderInto(root);
  return () => {
    unrender(root);
    host.remove();
  };
}
