import { ErrorCode, type LoginResponse } from '@switchboard/protocol';
import { $restoring, $session, renewSession, setSession } from '../stores/session.js';
import { ApiError, request } from './api.js';

/**
 * The access token lives 15 minutes; the refresh cookie (`HttpOnly`, sent to /api/auth only)
 * renews it. One renewal at a time: callers share the one in flight.
 */
export const RENEW_EVERY_MS = 10 * 60_000;

let inflight: Promise<LoginResponse | null> | null = null;

/**
 * POST /api/auth/refresh: the new session, or null when there is none (signed out, expired,
 * revoked). A 409 (another tab renewed at the same moment; the cookie jar holds the new one
 * now) is tried again. A network failure throws.
 */
export function refresh(): Promise<LoginResponse | null> {
  inflight ??= (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request<LoginResponse>('/api/auth/refresh', { method: 'POST' });
      } catch (e) {
        if (e instanceof ApiError && e.status === 409 && attempt < 3) continue;
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
        throw e;
      }
    }
  })().finally(() => {
    inflight = null;
  });
  return inflight;
}

/** At start: back into the session the cookie holds, if any (the sign-in page otherwise). */
export async function restoreSession(): Promise<void> {
  try {
    const s = await refresh();
    if (s && !$session.get()) setSession(s);
  } catch {
    // Server unreachable: the sign-in page says so when the agent tries.
  } finally {
    $restoring.set(false);
  }
}

/** A new access token for the current session: false when the session has ended. */
export async function renew(): Promise<boolean> {
  const before = $session.get();
  if (!before) return false;
  let s: LoginResponse | null;
  try {
    s = await refresh();
  } catch {
    return true; // offline: keep the session, try again later
  }
  if (!s) return false;
  if ($session.get()?.epoch === before.epoch) renewSession(s);
  return true;
}

/**
 * Runs an authenticated request with the current token; on a 401 renews the token once and
 * runs it again. `ended()` is told when the session is over (the caller signs out).
 */
export async function withToken<T>(call: (token: string) => Promise<T>, ended: () => void): Promise<T> {
  const session = $session.get();
  try {
    return await call(session?.token ?? '');
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401) || !session) throw e;
    // A refusal of something else than the token (a wrong current password) is not the end.
    if (e.code === ErrorCode.BadCredentials) throw e;
    if ($session.get()?.epoch !== session.epoch) throw e;
    if (!(await renew())) {
      ended();
      throw e;
    }
    return call($session.get()?.token ?? '');
  }
}
