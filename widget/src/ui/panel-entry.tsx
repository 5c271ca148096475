/**
 * The chat panel: Preact, the components and their stylesheet, shown on open. It is part of
 * widget.js (one file: the panel opens when only widget.js got through).
 */
import { render } from 'preact';
import { $strings } from '../locales';
import type { CoreUi } from '../widget';
import { Panel } from './Panel';
import { useStore } from './use-store';

/** Shows the panel in `slot` (its rules are in the root's one stylesheet); returns the function that removes it. */
export type ShowPanel = (slot: HTMLElement, ui: CoreUi) => () => void;

/** The panel in the strings shown now (the locale's table may arrive while it is open). */
function Root({ ui }: { ui: CoreUi }) {
  return <Panel ui={{ ...ui, t: useStore($strings) }} />;
}

export const show: ShowPanel = (slot, ui) => {
  render(<Root ui={ui} />, slot);
  return () => render(null, slot);
};
