/**
 * Entry of widget.js. Reads its own <script> tag synchronously (document.currentScript
 * is null later), installs `window.Switchboard`, shows the launcher and replays the
 * commands the snippet queued before the script loaded.
 */
import { createApi } from './api';
import { parseConfig } from './config';
import { createEmitter } from './events';
import { boot } from './widget';

type Stub = ((...args: unknown[]) => void) & { q?: unknown; replay?: unknown };

// Set for every classic script, async or injected (null only in modules and callbacks).
const script = document.currentScript as HTMLScriptElement | null;

function start(): void {
  const w = window as unknown as { Switchboard?: Stub };
  const existing = w.Switchboard;
  if (existing?.replay) return; // loaded twice: the first copy keeps running
  let scriptOrigin = location.origin;
  try {
    if (script?.src) scriptOrigin = new URL(script.src, location.href).origin;
  } catch {}
  const warn = (m: string) => console.warn(m);
  const config = parseConfig((name) => script?.getAttribute(name), {
    scriptOrigin,
    language: navigator.language,
    isColor: (v) => CSS.supports('color', v),
    warn,
    error: (m) => console.error(m),
  });
  if (!config) return;
  // The panel chunk sits next to widget.js (same origin, so the same CSP source), one file
  // per locale, with the version it was built with (a cached widget.js never gets another
  // build's panel).
  const panel = {
    src: new URL(
      `widget-panel.${config.locale}.js?v=${__PANEL_VERSION__}`,
      script?.src || `${config.server}/`,
    ).href,
    nonce: script?.nonce,
  };
  const emitter = createEmitter((e) => console.error('Switchboard: an event handler threw:', e));
  const api = createApi({ emitter, boot: () => boot(config, emitter, panel), warn });
  w.Switchboard = api;
  api.boot();
  api.replay(existing?.q);
  if (config.open) api('open');
}

try {
  start();
} catch (e) {
  console.error('Switchboard: the chat widget failed to start:', e);
}
