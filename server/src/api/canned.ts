/**
 * Canned responses: `/api/v1/sites/:site/canned`. Site-wide ones are managed by the site's
 * admins and API keys; every agent of the site lists them, plus their own personal ones
 * (`personal: true`), which only they manage. Where a personal one and a site-wide one share a
 * shortcut, the list gives the personal one (the agent's wording wins for them).
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { type ApiCanned, ErrorCode } from '@switchboard/protocol';
import {
  ApiCannedCreate,
  ApiCanned as ApiCannedSchema,
  ApiCannedUpdate,
} from '@switchboard/protocol/schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sbError } from '../errors.js';
import { newId } from '../ids.js';
import type { CannedRecord } from '../storage/types.js';
import { type SiteCaller, siteCaller } from './site-auth.js';

function toApi(c: CannedRecord): ApiCanned {
  return {
    id: c.id,
    site: c.siteId,
    shortcut: c.shortcut,
    text: c.text,
    agentId: c.agentId,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** One entry per shortcut: the caller's personal one over the site-wide one. */
export function visibleCanned(all: readonly CannedRecord[]): CannedRecord[] {
  const byShortcut = new Map<string, CannedRecord>();
  for (const c of all) {
    const held = byShortcut.get(c.shortcut);
    if (!held || (held.agentId === null && c.agentId !== null)) byShortcut.set(c.shortcut, c);
  }
  return [...byShortcut.values()];
}

/** Whether this caller may change this response: its owner agent, or an admin/API key for site-wide ones. */
function mayManage(caller: SiteCaller, c: Pick<CannedRecord, 'agentId'>): boolean {
  if (c.agentId !== null) return caller.kind === 'agent' && caller.agent.id === c.agentId;
  return caller.kind === 'apiKey' || caller.agent.role === 'admin';
}

const refused = () =>
  sbError(
    ErrorCode.Forbidden,
    'Site-wide canned responses are managed by admins; agents manage their own (personal: true)',
  );

export const cannedApiPlugin = fp(
  async (app: FastifyInstance) => {
    const base = '/api/v1/sites/:site/canned';

    async function ownedBy(
      req: FastifyRequest<{ Params: { site: string; id: string } }>,
    ): Promise<{ caller: SiteCaller; record: CannedRecord }> {
      const caller = await siteCaller(app, req, req.params.site, { agentsToo: true });
      const record = await app.storage.getCanned(req.params.id);
      // Another site's, or another agent's personal one: not there, as far as this caller knows.
      const visible =
        record &&
        record.siteId === req.params.site &&
        (record.agentId === null || (caller.kind === 'agent' && caller.agent.id === record.agentId));
      if (!visible) throw sbError(ErrorCode.NotFound, 'No such canned response');
      if (!mayManage(caller, record)) throw refused();
      return { caller, record };
    }

    app.get<{ Params: { site: string }; Querystring: { scope?: 'reply' | 'site' | 'personal' } }>(
      base,
      {
        schema: {
          summary:
            "Canned responses: for the reply box, the site's plus the calling agent's own (theirs win on a shared shortcut); or one kind, to manage them",
          tags: ['canned responses'],
          querystring: Type.Object(
            {
              scope: Type.Optional(
                Type.Union([Type.Literal('reply'), Type.Literal('site'), Type.Literal('personal')], {
                  description:
                    "reply (default): what the agent may insert; site: the site's; personal: the agent's own",
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Array(ApiCannedSchema) },
        },
      },
      async (req): Promise<ApiCanned[]> => {
        const caller = await siteCaller(app, req, req.params.site, { agentsToo: true });
        const me = caller.kind === 'agent' ? caller.agent.id : null;
        const all = await app.storage.listCanned(req.params.site, me);
        const scope = req.query.scope ?? 'reply';
        const picked =
          scope === 'reply'
            ? visibleCanned(all)
            : all.filter((c) =>
                scope === 'site' ? c.agentId === null : c.agentId !== null && c.agentId === me,
              );
        return picked.map(toApi);
      },
    );

    app.post<{ Params: { site: string } }>(
      base,
      {
        schema: {
          summary: 'Create a canned response (site-wide: admins and API keys; personal: the calling agent)',
          tags: ['canned responses'],
          body: ApiCannedCreate,
          response: { 200: ApiCannedSchema },
        },
      },
      async (req): Promise<ApiCanned> => {
        const caller = await siteCaller(app, req, req.params.site, { agentsToo: true });
        const body = req.body as Static<typeof ApiCannedCreate>;
        if (body.personal && caller.kind !== 'agent')
          throw sbError(ErrorCode.Validation, 'body.personal: an API key has no agent to own it');
        const agentId = body.personal && caller.kind === 'agent' ? caller.agent.id : null;
        if (!mayManage(caller, { agentId })) throw refused();
        const at = Date.now();
        const record: CannedRecord = {
          id: newId('cr'),
          siteId: req.params.site,
          agentId,
          shortcut: body.shortcut,
          text: body.text,
          createdAt: at,
          updatedAt: at,
        };
        if (!(await app.storage.createCanned(record)))
          throw sbError(ErrorCode.Conflict, `The shortcut /${body.shortcut} is already taken`);
        return toApi(record);
      },
    );

    app.put<{ Params: { site: string; id: string } }>(
      `${base}/:id`,
      {
        schema: {
          summary: 'Change the shortcut or text of a canned response',
          tags: ['canned responses'],
          body: ApiCannedUpdate,
          response: { 200: ApiCannedSchema },
        },
      },
      async (req): Promise<ApiCanned> => {
        await ownedBy(req);
        const patch = req.body as Static<typeof ApiCannedUpdate>;
        const next = await app.storage.updateCanned(req.params.id, patch, Date.now());
        if (next === 'duplicate')
          throw sbError(ErrorCode.Conflict, `The shortcut /${patch.shortcut} is already taken`);
        if (!next) throw sbError(ErrorCode.NotFound, 'No such canned response');
        return toApi(next);
      },
    );

    app.delete<{ Params: { site: string; id: string } }>(
      `${base}/:id`,
      {
        schema: {
          summary: 'Delete a canned response',
          tags: ['canned responses'],
          response: { 204: Type.Null() },
        },
      },
      async (req, reply) => {
        await ownedBy(req);
        await app.storage.deleteCanned(req.params.id);
        return reply.code(204).send();
      },
    );
  },
  { name: 'switchboard-api-canned', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
