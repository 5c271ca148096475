import type { AgentInfo, HttpError, LoginRequest, LoginResponse } from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import { describeError } from './errors.js';

/** A REST failure with the server's error code and a sentence for the agent. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** The server's own message (names the field for a 400), before `describeError`. */
    readonly serverMessage = message,
  ) {
    super(message);
  }
}

export async function request<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    // No content-type without a body: Fastify refuses an empty JSON body (a bodiless POST).
    const json: Record<string, string> =
      init.body === undefined ? {} : { 'content-type': 'application/json' };
    res = await fetch(path, { ...init, headers: { ...json, ...init.headers } });
  } catch {
    throw new ApiError('NETWORK', 'Cannot reach the server. Check your connection and try again.', 0);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = body as Partial<HttpError> | null;
    const code = err?.code ?? `HTTP_${res.status}`;
    const serverMessage = err?.message ?? `Request failed (${res.status})`;
    throw new ApiError(code, describeError(code, serverMessage), res.status, serverMessage);
  }
  return body as T;
}

export function login(email: string, password: string): Promise<LoginResponse> {
  const body: LoginRequest = { email, password };
  return request<LoginResponse>('/api/auth/login', { method: 'POST', body: JSON.stringify(body) });
}

/** Is this token still accepted? (A refused WebSocket upgrade does not say why.) */
export async function tokenRejected(token: string): Promise<boolean> {
  try {
    await request<AgentInfo>('/api/me', { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    return false;
  } catch (e) {
    // 401: expired or revoked; 403: the account was deactivated or removed from the site.
    return (
      e instanceof ApiError && (e.status === 401 || e.status === 403 || e.code === ErrorCode.Unauthorized)
    );
  }
}
