/**
 * A minimal store with the nanostores atom interface (`get`, `set`, `listen`;
 * `subscribe` was unused and cost bytes). Why not nanostores itself: it costs ~1.3 KB gzipped of our 20 KB
 * budget and writes a `globalThis.nanostoresGlobal`, while the widget promises the host
 * page no global but `window.Switchboard`. Same conventions: `$`-prefixed stores, one
 * concept per module, logic in stores, components only render them.
 */
export type Listener<T> = (value: T) => void;

export interface ReadableAtom<T> {
  get(): T;
  listen(fn: Listener<T>): () => void;
}

export interface WritableAtom<T> extends ReadableAtom<T> {
  set(value: T): void;
}

export function atom<T>(initial: T): WritableAtom<T> {
  let value = initial;
  const listeners = new Set<Listener<T>>();
  const $ = {
    get: () => value,
    set(next: T) {
      if (Object.is(next, value)) return;
      value = next;
      for (const fn of [...listeners]) fn(value);
    },
    listen(fn: Listener<T>) {
      const own = (v: T) => fn(v); // a listener added twice is two subscriptions
      listeners.add(own);
      return () => void listeners.delete(own);
    },
  };
  return $;
}

/** A read-only store recomputed whenever one of its sources changes. */
export function computed<T>(sources: ReadableAtom<unknown>[], fn: () => T): ReadableAtom<T> {
  const $ = atom(fn());
  for (const s of sources) s.listen(() => $.set(fn()));
  return { get: $.get, listen: $.listen };
}
