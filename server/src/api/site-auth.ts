/**
 * Who is calling a `/api/v1/sites/:site/…` route: an agent (their JWT, for this site) or the
 * site's backend (an API key of this site, `Authorization: Bearer sb_…`). A key of another
 * site, a revoked key and an agent of another site are refused the same way as no token.
 */
import { createHash } from 'node:crypto';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sbError } from '../errors.js';
import { agentTokenCurrent, bearerToken } from '../http/auth.js';
import type { AgentRecord, ApiKeyRecord } from '../storage/types.js';

export const API_KEY_PREFIX = 'sb_';

export type SiteCaller = { kind: 'agent'; agent: AgentRecord } | { kind: 'apiKey'; key: ApiKeyRecord };

export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The caller, allowed for `site` when they are an admin of it (agents) or hold one of its
 * keys; `agentsToo` lets any active agent of the site in (read routes agents use).
 */
export async function siteCaller(
  app: FastifyInstance,
  req: FastifyRequest,
  site: string,
  opts: { agentsToo?: boolean } = {},
): Promise<SiteCaller> {
  const token = bearerToken(req);
  if (!token)
    throw sbError(ErrorCode.Unauthorized, 'Authorization: Bearer <API key or agent token> required');
  if (token.startsWith(API_KEY_PREFIX)) {
    const key = await app.storage.findApiKeyByHash(apiKeyHash(token));
    if (!key || key.revokedAt !== null || key.siteId !== site) {
      throw sbError(ErrorCode.Unauthorized, 'Unknown or revoked API key for this site');
    }
    req.auditActor = { id: `api:${key.id}`, name: key.name };
    return { kind: 'apiKey', key };
  }
  const payload = app.auth.verify(token);
  if (payload?.kind !== 'agent') throw sbError(ErrorCode.Unauthorized, 'Missing or invalid token');
  const agent = await app.chat.agent(payload.sub, payload.site);
  if (!agentTokenCurrent(agent, payload) || app.sessions.isEnded(payload.sid))
    throw sbError(ErrorCode.Unauthorized, 'Signed out: sign in again');
  if (agent.siteId !== site || (agent.role !== 'admin' && !opts.agentsToo)) {
    throw sbError(
      ErrorCode.Forbidden,
      'Only an admin of this site, signed in to it, or an API key of the site',
    );
  }
  req.auditActor = { id: agent.id, name: agent.name };
  return { kind: 'agent', agent };
}

/**
 * The agent a caller acts as: the agent, or the site's backend standing in as an admin of the
 * site named `name` (default: the key's name), with the key's id as `api:<key id>`.
 */
export function actingAs(caller: SiteCaller, site: string, name?: string): AgentRecord {
  if (caller.kind === 'agent') return caller.agent;
  return {
    id: `api:${caller.key.id}`,
    siteId: site,
    email: '',
    name: name ?? caller.key.name,
    role: 'admin',
    mailLeftMessages: false,
    passwordHash: '-',
    tokenVersion: 0,
    active: true,
    departments: [],
    maxChats: null,
    createdAt: caller.key.createdAt,
  };
}
