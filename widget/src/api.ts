/**
 * `window.Switchboard(command, …args)`: the public JS API. Commands queued by the
 * snippet before the script loaded are replayed in order by `replay`.
 */
import type { User } from './config';
import { type Emitter, EVENT_NAMES, type EventName, type Handler } from './events';
import type { Widget } from './widget';

export interface ApiDeps {
  emitter: Emitter;
  /** Boots a widget (mounts it); called again after `shutdown` by the next `open`. */
  boot(): Widget;
  /** `consent` while no widget runs (after `shutdown`): recorded for the next boot, a withdrawal applied. */
  consent(yes: boolean): void;
  warn(message: string): void;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function createApi(d: ApiDeps) {
  let widget: Widget | null = null;
  const live = () => (widget ??= d.boot());
  // identify / setAttributes after shutdown are kept for the next boot.
  let pendingUser: User | undefined;
  let pendingAttrs: Record<string, string> | undefined;

  const bootWithPending = (): Widget => {
    const w = live();
    if (pendingUser) w.identify(pendingUser);
    if (pendingAttrs) w.setAttributes(pendingAttrs);
    pendingUser = pendingAttrs = undefined;
    return w;
  };

  function api(command?: unknown, ...args: unknown[]): void {
    try {
      run(command, args[0], args[1]);
    } catch (e) {
      // The host page must never see an exception from the widget.
      d.warn(`Switchboard: ${String(command)} failed: ${String(e)}`);
    }
  }

  function run(command: unknown, a: unknown, b: unknown): unknown {
    // Only called for a known command (a string).
    const needs = (what: string) => d.warn(`Switchboard: ${command} needs ${what}.`);
    switch (command) {
      case 'open':
      case 'close':
      case 'toggle':
        if (command !== 'close' || widget) bootWithPending()[command]();
        return;
      case 'shutdown':
        widget?.shutdown();
        widget = null;
        return;
      case 'identify': {
        const o = (a ?? {}) as Record<string, unknown>;
        const id = str(o.id);
        if (!id) return needs('{id, name?, email?, hash?}');
        const user: User = { id, name: str(o.name), email: str(o.email), hash: str(o.hash) };
        if (widget) widget.identify(user);
        else pendingUser = user;
        return;
      }
      case 'setAttributes': {
        if (!a || typeof a !== 'object') return needs('an object');
        const attrs: Record<string, string> = {};
        for (const [k, v] of Object.entries(a)) {
          if (v !== undefined && v !== null) attrs[k.slice(0, 64)] = String(v).slice(0, 1000);
        }
        if (widget) widget.setAttributes(attrs);
        else pendingAttrs = { ...pendingAttrs, ...attrs };
        return;
      }
      case 'consent':
        if (typeof a !== 'boolean') return needs('true or false');
        return (widget ?? d).consent(a);
      case 'on':
      case 'off':
        if (!EVENT_NAMES.includes(a as EventName) || typeof b !== 'function') {
          return needs(`an event (${EVENT_NAMES.join(' | ')}) and a function`);
        }
        d.emitter[command](a as EventName, b as Handler);
        return;
      default:
        d.warn(
          `Switchboard: unknown command "${String(command)}" (accepted: open | close | toggle | shutdown | identify | setAttributes | consent | on | off).`,
        );
    }
  }

  /** Replays snippet-queued calls (`Switchboard.q`, each an `arguments` object) in order. */
  api.replay = (queue: unknown) => {
    if (!Array.isArray(queue)) return;
    for (const call of queue) api(...Array.from(call as ArrayLike<unknown>));
  };
  api.boot = bootWithPending;
  return api;
}
