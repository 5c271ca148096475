import { ErrorCode } from '@switchboard/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sbError } from '../errors.js';

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

/**
 * A visitor route called from a shop's page: a request with an Origin the site does not allow
 * is refused (403); an allowed one gets CORS naming that origin (never another). Without an
 * Origin (a same-origin GET) nothing is added but `Vary`.
 */
export function corsForSite(
  req: FastifyRequest,
  reply: FastifyReply,
  site: { id: string; allowedOrigins: readonly string[] },
): void {
  const origin = req.headers.origin;
  reply.header('vary', 'Origin');
  if (origin === undefined) return;
  if (!originAllowed(origin, site.allowedOrigins))
    throw sbError(ErrorCode.OriginNotAllowed, `Origin not allowed for site "${site.id}"`);
  reply.header('access-control-allow-origin', origin);
}
