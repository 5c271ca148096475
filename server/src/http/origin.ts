/**
 * Allowed origins of a site: exact origins (`https://shop.example`), `scheme://host:*`
 * for any port (the demo site allows `http://localhost:*` and `http://127.0.0.1:*`),
 * or `*` for anywhere.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (!origin || origin === 'null') return false;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  for (const pattern of allowed) {
    if (pattern === '*') return true;
    if (pattern.endsWith(':*')) {
      const base = pattern.slice(0, -2);
      if (`${o.protocol}//${o.hostname}` === base) return true;
      continue;
    }
    if (o.origin === pattern.replace(/\/+$/, '')) return true;
  }
  return false;
}
