/**
 * Everything the panel chunk (`widget-panel.js`) takes from `widget.js`: the stores (one
 * instance of each, so both files render the same state) and two locale helpers. The panel
 * build treats this module as external and gets it at run time from the loader
 * (`ui/load-panel.ts`); panel modules import core state from here only, never from
 * `stores/*` directly (that would bundle a second, disconnected copy of the store).
 */
export { format, RTL_LOCALES } from './locales';
export { $connection } from './stores/connection';
export { $conversation } from './stores/conversation';
export { $messages } from './stores/messages';
export { $open } from './stores/open';
export { $outbox } from './stores/outbox';
export { $agentsOnline, $site } from './stores/site';
export { $typing } from './stores/typing';
