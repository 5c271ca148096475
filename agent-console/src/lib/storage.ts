/** localStorage that never throws (private mode, quota, disabled storage, node tests). */
export function readJson<T>(key: string, area: 'local' | 'session' = 'local'): T | null {
  try {
    const raw = storageArea(area)?.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

export function writeJson(key: string, value: unknown, area: 'local' | 'session' = 'local'): void {
  try {
    if (value === null || value === undefined) storageArea(area)?.removeItem(key);
    else storageArea(area)?.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or unavailable: the in-memory store still works for this tab.
  }
}

function storageArea(area: 'local' | 'session'): Storage | undefined {
  return area === 'local' ? globalThis.localStorage : globalThis.sessionStorage;
}
