/**
 * The audit log of administration actions: every successful request of the routes below is
 * recorded — who (the agent, or `api:<key id>`), what (an action name and the record acted
 * on), which fields were asked for (secrets and passwords removed), when — and admins read it
 * at `GET /api/v1/sites/:site/audit` (Settings › Audit log). Written after the action
 * succeeded (best effort: a failed write is logged, never undoes the action).
 */
import { Type } from '@sinclair/typebox';
import type { ApiAuditPage } from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import { ApiAuditPage as ApiAuditPageSchema } from '@switchboard/protocol/schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { siteCaller } from '../api/site-auth.js';
import { sbError } from '../errors.js';
import { newId } from '../ids.js';
import type { AuditRecord } from '../storage/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who acts, for the audit log (set by `siteCaller`; else the signed-in agent). */
    auditActor: { id: string; name: string } | null;
  }
}

const V1 = '/api/v1/sites/:site';

/** Audited routes (`METHOD url` as registered) → action. A new administration route gets a row. */
export const AUDITED: Readonly<Record<string, string>> = {
  'PATCH /api/admin/sites/:site': 'site.updated',
  'PUT /api/sites/:site/settings': 'site.updated',
  'POST /api/admin/sites/:site/secret': 'site.secret_rotated',
  'POST /api/admin/sites/:site/agents': 'agent.invited',
  'PATCH /api/admin/sites/:site/agents/:agent': 'agent.updated',
  [`POST ${V1}/api-keys`]: 'api_key.created',
  [`POST ${V1}/api-keys/:id/rotate`]: 'api_key.rotated',
  [`DELETE ${V1}/api-keys/:id`]: 'api_key.revoked',
  [`POST ${V1}/webhooks`]: 'webhook.created',
  [`PATCH ${V1}/webhooks/:id`]: 'webhook.updated',
  [`DELETE ${V1}/webhooks/:id`]: 'webhook.deleted',
  [`POST ${V1}/webhooks/:id/deliveries/:delivery/redeliver`]: 'webhook.redelivered',
  [`POST ${V1}/canned`]: 'canned.created',
  [`PUT ${V1}/canned/:id`]: 'canned.updated',
  [`DELETE ${V1}/canned/:id`]: 'canned.deleted',
  [`POST ${V1}/proactive-messages`]: 'proactive.created',
  [`PATCH ${V1}/proactive-messages/:id`]: 'proactive.updated',
  [`DELETE ${V1}/proactive-messages/:id`]: 'proactive.deleted',
  [`POST ${V1}/visitors/:id/block`]: 'visitor.blocked',
  [`DELETE ${V1}/visitors/:id/block`]: 'visitor.unblocked',
  [`GET ${V1}/visitors/:id/export`]: 'visitor.exported',
  [`DELETE ${V1}/visitors/:id`]: 'visitor.deleted',
};

const SECRET_FIELD = /password|secret|token|hash/i;
const MAX_DETAILS_CHARS = 4000;

/** The request's fields as the log keeps them: secrets removed, long bodies cut. */
export function auditDetails(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const kept = Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_FIELD.test(k)));
  const json = JSON.stringify(kept);
  return json.length <= MAX_DETAILS_CHARS ? kept : { truncated: json.slice(0, MAX_DETAILS_CHARS) };
}

/** The id of the record a create route made, read from its JSON answer (`id`, `agent.id`, `key.id`). */
export function createdId(payload: string): string | null {
  try {
    const body: unknown = JSON.parse(payload);
    if (typeof body !== 'object' || body === null) return null;
    const direct = (body as { id?: unknown }).id;
    if (typeof direct === 'string') return direct;
    for (const k of ['agent', 'key', 'webhook', 'canned']) {
      const inner = (body as Record<string, unknown>)[k];
      const id = typeof inner === 'object' && inner !== null ? (inner as { id?: unknown }).id : undefined;
      if (typeof id === 'string') return id;
    }
  } catch {
    // not JSON: no target to read
  }
  return null;
}

function actorOf(req: FastifyRequest): { id: string; name: string } | null {
  if (req.auditActor) return req.auditActor;
  return req.agent ? { id: req.agent.id, name: req.agent.name } : null;
}

const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** Records audited actions: registered before the routes it watches (hooks bind at registration). */
export const auditPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('auditActor', null);

    const created = new WeakMap<FastifyRequest, string>();
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.method !== 'POST' || reply.statusCode >= 400 || typeof payload !== 'string') return payload;
      if (!AUDITED[`${req.method} ${req.routeOptions.url}`]) return payload;
      const id = createdId(payload);
      if (id) created.set(req, id);
      return payload;
    });

    app.addHook('onResponse', async (req, reply) => {
      const action = AUDITED[`${req.method} ${req.routeOptions.url}`];
      if (!action || reply.statusCode >= 400) return;
      const params = req.params as Record<string, string | undefined>;
      const actor = actorOf(req);
      const siteId = params.site;
      if (!actor || !siteId) return;
      const entry: AuditRecord = {
        id: newId('au'),
        siteId,
        actorId: actor.id,
        actorName: actor.name,
        action,
        target: params.agent ?? params.id ?? created.get(req) ?? (action.startsWith('site.') ? siteId : null),
        details: { ...auditDetails(req.body), ...(params.delivery ? { delivery: params.delivery } : {}) },
        at: Date.now(),
      };
      try {
        await app.storage.addAudit(entry);
      } catch (err) {
        req.log.error({ err, action }, 'audit log: the entry could not be written');
      }
    });
  },
  { name: 'switchboard-audit', dependencies: ['switchboard-auth'] },
);

/** `GET /api/v1/sites/:site/audit`: registered after the OpenAPI collector, so it is documented. */
export const auditApiPlugin = fp(
  async (app: FastifyInstance) => {
    app.get<{ Params: { site: string }; Querystring: { limit?: number; cursor?: string } }>(
      `${V1}/audit`,
      {
        schema: {
          summary: 'The audit log: who changed what, when — newest first (admins and API keys)',
          tags: ['administration'],
          querystring: AuditQuery,
          response: { 200: ApiAuditPageSchema },
        },
      },
      async (req): Promise<ApiAuditPage> => {
        await siteCaller(app, req, req.params.site);
        const limit = req.query.limit ?? 50;
        let before: { at: number; id: string } | null = null;
        if (req.query.cursor) {
          const [at, id] = req.query.cursor.split('.', 2);
          if (!at || !id || !/^\d+$/.test(at))
            throw sbError(ErrorCode.Validation, 'querystring.cursor: not a cursor');
          before = { at: Number(at), id };
        }
        const rows = await app.storage.listAudit(req.params.site, before, limit);
        const last = rows.length === limit ? rows.at(-1) : undefined;
        return {
          items: rows.map((r) => ({
            id: r.id,
            at: r.at,
            actor: { id: r.actorId, name: r.actorName },
            action: r.action,
            target: r.target,
            details: r.details,
          })),
          nextCursor: last ? `${last.at}.${last.id}` : null,
        };
      },
    );
  },
  { name: 'switchboard-audit-api', dependencies: ['switchboard-audit'] },
);
