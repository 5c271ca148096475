import type { VisitorSessionRequest, VisitorSessionResponse } from '@switchboard/protocol';
import type { User } from './config';

/**
 * Thrown by `requestSession`: the HTTP status, or 0 when the server was unreachable.
 * 403 (origin not allowed) and 404 (unknown site) are final; anything else is retried.
 */
export type SessionFailure = { status: number };
export const isFinal = (f: SessionFailure): boolean => f.status === 403 || f.status === 404;

/**
 * `POST /api/visitor/session`. A stored token continues the same visitor; if the server
 * rejects it (expired, other secret), one retry without it starts a new visitor.
 */
export async function requestSession(
  fetchFn: typeof fetch,
  server: string,
  site: string,
  token: string | null,
  user: User | undefined,
  timeoutMs: number,
): Promise<VisitorSessionResponse> {
  const body: VisitorSessionRequest = { site };
  if (token) body.token = token;
  if (user) body.user = user;
  // A server that hangs must not hold the chat forever: give up (headers and body) and retry.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetchFn(`${server}/api/visitor/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
        signal: abort.signal,
      });
      if (res.ok) return (await res.json()) as VisitorSessionResponse;
    } catch {
      throw { status: 0 } satisfies SessionFailure;
    }
    if (token && (res.status === 400 || res.status === 401)) {
      return requestSession(fetchFn, server, site, null, user, timeoutMs);
    }
    throw { status: res.status } satisfies SessionFailure;
  } finally {
    clearTimeout(timer);
  }
}

/** `https://host/base` → `wss://host/base/ws/visitor` (the token goes in `Sec-WebSocket-Protocol`). */
export const socketUrl = (server: string): string => `${server.replace(/^http/, 'ws')}/ws/visitor`;
