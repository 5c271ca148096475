/**
 * The stores and locale helpers the panel components read (one instance of each: the
 * launcher and the panel render the same state). Panel modules import core state from
 * here, so what the panel depends on stays visible in one place.
 */
export { format, RTL_LOCALES } from './locales';
export { $connection } from './stores/connection';
export { $conversation } from './stores/conversation';
export { $messages } from './stores/messages';
export { $open } from './stores/open';
export { $outbox } from './stores/outbox';
export { $proactive } from './stores/proactive';
export { $agentsOnline, $site } from './stores/site';
export { $typing } from './stores/typing';
