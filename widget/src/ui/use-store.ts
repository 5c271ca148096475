import type { ReadableAtom } from '../store';
import { useEffect, useState } from './hooks';

/**
 * Renders from a nanostore (a 6-line stand-in for @nanostores/preact's useStore). No store
 * holds a function, so its values go to the setter as they are.
 */
export function useStore<T>(store: ReadableAtom<T>): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    setValue(store.get());
    return store.listen(setValue);
  }, [store]);
  return value;
}
