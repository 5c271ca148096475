import type { ReadableAtom } from '../store';
import { useEffect, useState } from './hooks';

/** Renders from a nanostore (a 6-line stand-in for @nanostores/preact's useStore). */
export function useStore<T>(store: ReadableAtom<T>): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    setValue(() => store.get());
    return store.listen((v) => setValue(() => v));
  }, [store]);
  return value;
}
