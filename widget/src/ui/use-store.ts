import { useEffect, useState } from 'preact/hooks';
import type { ReadableAtom } from '../store';

/** Renders from a nanostore (a 6-line stand-in for @nanostores/preact's useStore). */
export function useStore<T>(store: ReadableAtom<T>): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    setValue(() => store.get());
    return store.listen((v) => setValue(() => v));
  }, [store]);
  return value;
}

/**
 * `useRef` made of `useState`: the same stable `{current}` box for the component's life,
 * and preact/hooks' `useMemo` (what its own `useRef` is made of) stays out of the file:
 * −36 B gzip.
 */
export function useRef<T>(initial: T): { current: T };
export function useRef<T>(initial: T | null): { current: T | null };
export function useRef<T>(initial: T): { current: T } {
  return useState(() => ({ current: initial }))[0];
}
