/**
 * Entry of widget-panel.js, the chat panel: everything only needed once the visitor opens
 * the chat (Preact, the components, their stylesheet and one locale's strings). widget.js loads it on
 * first open and prefetches it when the page is idle (`load-panel.ts`). The build wraps
 * this module so that it dispatches `PANEL_EVENT` with its `PanelFactory`; `../shared` is
 * provided by widget.js at that moment (`core`), so both files share one set of stores.
 */
import { render } from 'preact';
import { panelStringsOf } from '../locales';
import type { ShowPanel } from './load-panel';
import { Panel } from './Panel';
import css from './panel.css?inline';

// This file is built once per locale: the build puts that locale's table here.
const strings = panelStringsOf(__PANEL_TABLE__);
let sheet: CSSStyleSheet | undefined;

export const show: ShowPanel = (root, slot, ui) => {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  render(<Panel ui={{ ...ui, t: { ...ui.t, ...strings } }} />, slot);
  return () => render(null, slot);
};
