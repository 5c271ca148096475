/**
 * Site-scoped key/value storage (`sb:<site>:<key>` in localStorage). Falls back to
 * memory when storage is unavailable (Safari private mode, sandboxed iframes), and is
 * memory by choice until the shopper consents (`data-consent="required"`).
 */
export interface KV {
  get(key: string): string | null;
  set(key: string, value: string): void;
  del(key: string): void;
}

type Backing = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Like `Storage`, its own enumerable keys are the keys it holds (the methods are inherited). */
export function memoryStorage(): Backing {
  return Object.create({
    getItem(this: Record<string, string>, k: string) {
      return this[k] ?? null;
    },
    setItem(this: Record<string, string>, k: string, v: string) {
      this[k] = v;
    },
    removeItem(this: Record<string, string>, k: string) {
      delete this[k];
    },
  });
}

function pageStorage(): Backing {
  try {
    localStorage.getItem('sb:probe');
    return localStorage;
  } catch {
    return memoryStorage();
  }
}

export function siteStorage(site: string, backing: Backing = pageStorage()) {
  let s = backing;
  const p = `sb:${site}:`;
  const kv = {
    get: (key: string) => s.getItem(p + key),
    set(key: string, value: string) {
      try {
        s.setItem(p + key, value);
      } catch {
        // Quota or privacy mode: the widget keeps working from memory.
      }
    },
    del: (key: string) => s.removeItem(p + key),
    /**
     * Consent given (`keep`): on to the page's storage, taking along what memory held.
     * Withdrawn: every `sb:<site>:` key is removed and the widget goes on in memory.
     */
    move(keep: boolean) {
      const from = s;
      s = keep ? pageStorage() : memoryStorage();
      for (const k of Object.keys(from)) {
        if (!k.startsWith(p)) continue;
        if (keep) kv.set(k.slice(p.length), from.getItem(k) as string);
        from.removeItem(k);
      }
    },
  };
  return kv satisfies KV;
}

export type SiteStorage = ReturnType<typeof siteStorage>;
