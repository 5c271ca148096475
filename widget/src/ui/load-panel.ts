import * as shared from '../shared';
import type { CoreUi } from '../widget';

/** Shows the panel in `slot` (its stylesheet joins `root`'s); returns the function that removes it. */
export type ShowPanel = (root: ShadowRoot, slot: HTMLElement, ui: CoreUi) => () => void;

/** What `widget-panel.js` hands over: given the core's shared modules, its `ShowPanel`. */
export type PanelFactory = (core: typeof shared) => ShowPanel;

/** The event the panel chunk dispatches on its own <script> element, with a `PanelFactory`. */
export const PANEL_EVENT = 'switchboard:panel';

let loading: Promise<ShowPanel> | undefined;

/**
 * Loads the panel chunk once, with a classic <script> from widget.js's own origin (allowed
 * wherever widget.js is: `script-src` covers both; the nonce of widget.js's tag is copied
 * for nonce-based policies). The chunk defines no global: it dispatches `PANEL_EVENT` on
 * its script element (`document.currentScript`). A failure rejects after one
 * `console.warn` naming the URL; the next call tries again.
 */
export function loadPanel(src: string, nonce = ''): Promise<ShowPanel> {
  loading ??= new Promise<ShowPanel>((resolve, reject) => {
    const script = document.createElement('script');
    const take = (e: Event) => {
      try {
        resolve((e as CustomEvent<PanelFactory>).detail(shared));
      } catch (error) {
        reject(error); // not the host page's problem: warned below
      }
    };
    script.addEventListener(PANEL_EVENT, take);
    // Fires after the chunk ran (or failed to): a no-op once resolved.
    script.onload = script.onerror = () => {
      script.removeEventListener(PANEL_EVENT, take);
      script.remove();
      reject(new Error('the script failed or did not hand the panel over'));
    };
    script.src = src;
    script.nonce = nonce;
    (document.head ?? document.documentElement).appendChild(script);
  }).catch((e: Error) => {
    loading = undefined;
    console.warn(
      `Switchboard: could not load the chat panel from ${src} (${e.message}). Serve the widget-panel.<locale>.js files next to widget.js and allow that origin in the page's Content-Security-Policy script-src.`,
    );
    throw e;
  });
  return loading;
}
