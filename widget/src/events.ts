/** The public events of `Switchboard('on', …)`. */
export type EventName = 'open' | 'close' | 'message' | 'unread';

export const EVENT_NAMES: readonly EventName[] = ['open', 'close', 'message', 'unread'];

export type Handler = (payload?: unknown) => void;

export interface Emitter {
  on(event: EventName, fn: Handler): void;
  off(event: EventName, fn: Handler): void;
  emit(event: EventName, payload?: unknown): void;
}

/** A host handler that throws must not break the widget or other handlers. */
export function createEmitter(report: (error: unknown) => void): Emitter {
  const handlers = new Map<EventName, Set<Handler>>();
  return {
    on: (event, fn) => {
      const set = handlers.get(event) ?? new Set();
      handlers.set(event, set.add(fn));
    },
    off: (event, fn) => void handlers.get(event)?.delete(fn),
    emit: (event, payload) => {
      for (const fn of [...(handlers.get(event) ?? [])]) {
        try {
          fn(payload);
        } catch (e) {
          report(e);
        }
      }
    },
  };
}
