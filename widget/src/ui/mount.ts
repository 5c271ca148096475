import css from './styles.css?inline';

/**
 * Creates the isolated host: a div with an open shadow root and the widget's CSS as a
 * constructed stylesheet, whose `:host` rule (all !important) places and isolates the
 * host itself — nothing on the page can override it.
 * Returns the function that removes all of it.
 */
export function mount(
  renderInto: (root: ShadowRoot) => void,
  unrender: (root: ShadowRoot) => void,
): () => void {
  const host = document.createElement('div');
  host.id = 'switchboard-widget';
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
