/**
 * Site-scoped key/value storage (`sb:<site>:<key>` in localStorage). Falls back to
 * memory when storage is unavailable (Safari private mode, sandboxed iframes).
 */
export interface KV {
  get(key: string): string | null;
  set(key: string, value: string): void;
  del(key: string): void;
}

export function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

export function siteStorage(site: string, backing?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>): KV {
  let store = backing;
  if (!store) {
    try {
      store = localStorage;
      store.getItem('sb:probe');
    } catch {
      store = memoryStorage();
    }
  }
  const s = store;
  const k = (key: string) => `sb:${site}:${key}`;
  return {
    get: (key) => s.getItem(k(key)),
    set: (key, value) => {
      try {
        s.setItem(k(key), value);
      } catch {
        // Quota or privacy mode: the widget keeps working from memory.
      }
    },
    del: (key) => s.removeItem(k(key)),
  };
}
