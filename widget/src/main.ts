/**
 * Entry of widget.js. Reads its own <script> tag synchronously (document.currentScript
 * is null later), installs `window.Switchboard`, shows the launcher and replays the
 * commands the snippet queued before the script loaded.
 */
import { createApi } from './api';
import { noteConsent, parseConfig } from './config';
import { createEmitter } from './events';
import { siteStorage } from './storage';
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
    if (script?.src) scriptOrigin = new URL(script.src).origin;
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
  const emitter = createEmitter((e) => console.error('Switchboard: an event handler threw:', e));
  const api = createApi({
    emitter,
    boot: () => boot(config, emitter),
    // No widget runs: a withdrawal still removes the site's keys at once.
    consent: (yes) => noteConsent(config, yes) && !yes && siteStorage(config.site).move(false),
    warn,
  });
  // Until the widget boots, calls wait in order (the shop may call us from its own onload).
  const early: unknown[][] = [];
  const waiting = Object.assign((...args: unknown[]) => void early.push(args), { replay: () => {} });
  w.Switchboard = waiting;
  afterFirstPaint(() => {
    w.Switchboard = api;
    api.boot();
    api.replay(existing?.q);
    api.replay(early);
    if (config.open) api('open');
  });
}

/**
 * Runs `fn` once the page has painted: nothing of ours competes with the shop's first paint.
 * A frame callback runs just before a paint; a task queued from it runs just after. A hidden
 * tab paints no frames: there the timer starts it.
 */
function afterFirstPaint(fn: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    try {
      fn();
    } catch (e) {
      console.error('Switchboard: the chat widget failed to start:', e);
    }
  };
  requestAnimationFrame(() => setTimeout(run));
  setTimeout(run, 1000);
}

try {
  start();
} catch (e) {
  console.error('Switchboard: the chat widget failed to start:', e);
}
