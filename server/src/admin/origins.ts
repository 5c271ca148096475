/**
 * Allowed origins as admins type them: `https://shop.example`, `http://127.0.0.2:8080`, or
 * `http://localhost:*` (any port — for localhost and loopback addresses only). Normalised to
 * what `originAllowed` compares (lower-case, no trailing slash, no default port); anything
 * else — a path, a query, credentials, another scheme, a wildcard on a public host — is refused
 * with a sentence that says why.
 */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export class OriginError extends Error {}

export function normaliseOrigin(input: string): string {
  const raw = input.trim();
  if (raw === '') throw new OriginError('an origin is empty');
  const wildcard = /^(https?):\/\/([^/:]+):\*\/?$/i.exec(raw);
  if (wildcard) {
    const host = (wildcard[2] as string).toLowerCase();
    if (!LOCAL_HOSTS.has(host) && !/^127\.\d+\.\d+\.\d+$/.test(host)) {
      throw new OriginError(`"${raw.slice(0, 100)}": a port wildcard (:*) is allowed for localhost only`);
    }
    return `${(wildcard[1] as string).toLowerCase()}://${host}:*`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OriginError(`"${raw.slice(0, 100)}" is not an origin (like https://shop.example)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OriginError(`"${raw.slice(0, 100)}": only http:// and https:// origins`);
  }
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new OriginError(
      `"${raw.slice(0, 100)}": an origin has no path, query or credentials (like https://shop.example)`,
    );
  }
  if (raw.includes('*'))
    throw new OriginError(`"${raw.slice(0, 100)}": wildcards are only allowed as the port of localhost`);
  return url.origin;
}

/** Normalised, without duplicates, in the order given. */
export function normaliseOrigins(inputs: readonly string[]): string[] {
  return [...new Set(inputs.map(normaliseOrigin))];
}
