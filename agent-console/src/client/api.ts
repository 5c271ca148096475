import type { AgentInfo, HttpError, LoginResponse } from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import { describeError } from './errors.js';

/** A REST failure with the server's error code and a sentence for the agent. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  } catch {
    throw new ApiError('NETWORK', 'Cannot reach the server. Check your connection and try again.', 0);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = body as Partial<HttpError> | null;
    const code = err?.code ?? `HTTP_${res.status}`;
    throw new ApiError(
      code,
      describeError(code, err?.message ?? `Request failed (${res.status})`),
      res.status,
    );
  }
  return body as T;
}

export function login(email: string, password: string): Promise<LoginResponse> {
  return request<LoginResponse>('/api/auth/login', {
    method: 'POST',
    body: JSON.stringify({ email, password }),
  });
}

/** Is this token still accepted? (A refused WebSocket upgrade does not say why.) */
export async function tokenRejected(token: string): Promise<boolean> {
  try {
    await request<AgentInfo>('/api/me', { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    return false;
  } catch (e) {
    return e instanceof ApiError && (e.status === 401 || e.code === ErrorCode.Unauthorized);
  }
}
