/**
 * Console sessions: a short-lived access token (the JWT the console keeps in memory and sends as
 * `Authorization: Bearer` and in the socket's `Sec-WebSocket-Protocol`) plus a refresh token in
 * an `HttpOnly; SameSite=Strict` cookie scoped to `/api/auth`, which script on the page can
 * never read. `POST /api/auth/refresh` trades the cookie for a new access token and rotates the
 * refresh token (one use each). A refresh token used twice means it was copied: the session is
 * revoked — unless it is the one rotated in the last minute, which is another tab of the same
 * browser refreshing at the same moment (told to retry: its cookie jar holds the new one now).
 * Sign-out revokes the session; a password change or reset (the account's token version), a
 * role change and a deactivation end it at its next refresh — and the admin watcher closes the
 * sockets of those within seconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sbError } from '../errors.js';
import { agentTokenCurrent, secretsEqual } from '../http/auth.js';
import { newId } from '../ids.js';
import type { AgentRecord, Storage } from '../storage/types.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Console sessions: the refresh cookie (issued at sign-in, refreshed, revoked at sign-out). */
    sessions: RefreshSessions;
  }
}

export const REFRESH_COOKIE = 'sb_refresh';
const COOKIE_PATH = '/api/auth';
/** A session lives this long after its last refresh (an agent away for longer signs in again). */
export const REFRESH_TTL_MS = 14 * 24 * 3600_000;
/** How long an access token lives (`AGENT_TOKEN_TTL`), with a margin for clock steps. */
const ACCESS_TOKEN_LIFE_MS = 16 * 60_000;
/** A concurrent refresh (another tab) within this long after a rotation is told to retry. */
const RACE_WINDOW_MS = 60_000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
/** A refresh token: the session's id, then its secret. */
const mint = (sessionId: string) => `${sessionId}.${randomBytes(32).toString('base64url')}`;
const racing = () => sbError(ErrorCode.Conflict, 'Refreshed by another tab at the same moment; retry');

/** Reads one cookie from the request's `Cookie` header. */
export function cookieValue(req: FastifyRequest, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/**
 * `Secure` unless the console is reached over plain http on another host than this machine
 * (a LAN install without TLS, where a browser would drop a Secure cookie): browsers treat
 * http://localhost as secure, and https always is.
 */
function secure(req: FastifyRequest): boolean {
  if (req.protocol === 'https') return true;
  const host = req.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}

function setCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeS: number): void {
  const attrs = [
    `${REFRESH_COOKIE}=${value}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${maxAgeS}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (secure(req)) attrs.push('Secure');
  reply.header('set-cookie', attrs.join('; '));
}

export class RefreshSessions {
  constructor(
    private readonly storage: Storage,
    private readonly agentOf: (accountId: string, siteId: string) => Promise<AgentRecord | null>,
    /** A session ended (sign-out, reuse, the account changed): its sockets close, on every node. */
    private readonly onEnded: (sessionId: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sessions ended lately, here or on another node: their access tokens stop at once. */
  private readonly ended = new Map<string, number>();

  private async end(sessionId: string, at: number): Promise<void> {
    await this.storage.revokeRefreshSession(sessionId, at);
    this.markEnded(sessionId);
    this.onEnded(sessionId);
  }

  /**
   * A session ended (here, or another node said so): its access tokens, which would otherwise
   * live on to their 15 minutes, are refused from now on. Kept as long as such a token lives.
   */
  markEnded(sessionId: string): void {
    const now = this.now();
    for (const [id, until] of this.ended) if (until <= now) this.ended.delete(id);
    this.ended.set(sessionId, now + ACCESS_TOKEN_LIFE_MS);
  }

  /** Whether an access token of this session must be refused (its session ended). */
  isEnded(sessionId: string | undefined): boolean {
    return sessionId !== undefined && (this.ended.get(sessionId) ?? 0) > this.now();
  }

  /**
   * A new session for a sign-in (login, setup, invitation, password change or reset, site
   * switch); returns its id, for the access token's `sid`.
   */
  async issue(req: FastifyRequest, reply: FastifyReply, agent: AgentRecord): Promise<string> {
    // Signing in again from this browser replaces its previous session.
    await this.revokeFromCookie(req);
    const id = newId('rs');
    const token = mint(id);
    const at = this.now();
    await this.storage.createRefreshSession({
      id,
      accountId: agent.id,
      siteId: agent.siteId,
      tokenHash: hash(token),
      previousHash: null,
      rotatedAt: null,
      tokenVersion: agent.tokenVersion,
      role: agent.role,
      createdAt: at,
      expiresAt: at + REFRESH_TTL_MS,
      revokedAt: null,
    });
    setCookie(req, reply, token, REFRESH_TTL_MS / 1000);
    return id;
  }

  /**
   * Trades the cookie for the agent it signs in (and rotates it). 401 when there is none, it is
   * unknown, expired, revoked or reused, or the account changed since; 409 for a racing tab.
   */
  async refresh(
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ agent: AgentRecord; sessionId: string }> {
    const { token, session } = await this.fromCookie(req);
    const at = this.now();
    const ended = (why: string) => {
      setCookie(req, reply, '', 0);
      return sbError(ErrorCode.Unauthorized, `Signed out: ${why}; sign in again`);
    };
    if (!token || !session || session.revokedAt !== null || session.expiresAt <= at)
      throw ended('no current session');
    const presented = hash(token);
    if (!secretsEqual(presented, session.tokenHash)) {
      if (
        session.previousHash !== null &&
        secretsEqual(presented, session.previousHash) &&
        session.rotatedAt !== null &&
        at - session.rotatedAt < RACE_WINDOW_MS
      ) {
        throw racing();
      }
      // An older token again: it was copied. End the session for whoever holds it.
      await this.end(session.id, at);
      throw ended('this session was used from elsewhere');
    }
    const agent = await this.agentOf(session.accountId, session.siteId);
    if (!agentTokenCurrent(agent, { ver: session.tokenVersion }) || agent.role !== session.role) {
      await this.end(session.id, at);
      throw ended('the account changed (password, role or deactivation)');
    }
    const next = mint(session.id);
    if (
      !(await this.storage.rotateRefreshSession(session.id, presented, hash(next), at, at + REFRESH_TTL_MS))
    )
      throw racing();
    setCookie(req, reply, next, REFRESH_TTL_MS / 1000);
    return { agent, sessionId: session.id };
  }

  /** Sign-out: the session in the cookie ends now; the cookie is cleared. */
  async revoke(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.revokeFromCookie(req);
    setCookie(req, reply, '', 0);
  }

  /** The cookie's refresh token and the session it names (either null when there is none). */
  private async fromCookie(req: FastifyRequest) {
    const token = cookieValue(req, REFRESH_COOKIE);
    const id = token?.split('.', 1)[0];
    return { token, session: id ? await this.storage.getRefreshSession(id) : null };
  }

  private async revokeFromCookie(req: FastifyRequest): Promise<void> {
    const { token, session } = await this.fromCookie(req);
    // Only with the session's current token: a stale cookie cannot end someone's session.
    if (token && session && secretsEqual(hash(token), session.tokenHash)) {
      await this.end(session.id, this.now());
    }
  }
}
