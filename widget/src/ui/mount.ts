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
  // CSSOM (not a style attribute), so a strict CSP allows it. Out of the page flow (no
  // effect on flex/grid hosts); children are fixed to the viewport.
  host.style.cssText =
    'all:initial!important;direction:ltr!important;display:block!important;position:fixed!important;top:0!important;left:0!important;width:0!important;height:0!important;z-index:2147483000!important';
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
