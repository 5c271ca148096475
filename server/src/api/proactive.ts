/**
 * Proactive messages: `/api/v1/sites/:site/proactive-messages` for the site's admins and API
 * keys, and `GET /api/sites/:site/proactive`, the enabled rules as the widget reads them
 * (public: a shop's pages ask for it; cached a minute; CORS for the site's origins only).
 */
import { Type } from '@sinclair/typebox';
import {
  type ApiProactiveRule,
  type ApiProactiveRuleCreate,
  type ApiProactiveRuleUpdate,
  ErrorCode,
  type PublicProactiveRules,
} from '@switchboard/protocol';
import {
  ApiProactiveRuleCreate as CreateSchema,
  PublicProactiveRules as PublicSchema,
  ApiProactiveRule as RuleSchema,
  ApiProactiveRuleUpdate as UpdateSchema,
} from '@switchboard/protocol/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { incomplete, publicRules } from '../chat/proactive.js';
import { sbError } from '../errors.js';
import { corsForSite } from '../http/origin.js';
import { newId } from '../ids.js';
import type { ProactiveRecord, ProactiveRule } from '../storage/types.js';
import { siteCaller } from './site-auth.js';

/** Per site: each page of the shop fetches the enabled ones. */
const MAX_RULES = 100;

const toApi = (p: ProactiveRecord): ApiProactiveRule => ({ id: p.id, ...p.rule, createdAt: p.createdAt });

export const proactiveApiPlugin = fp(
  async (app: FastifyInstance) => {
    const base = '/api/v1/sites/:site/proactive-messages';
    type Req = FastifyRequest<{ Params: { site: string; id: string } }>;

    /** A rule of this site (another site's id is not there, as far as this caller knows). */
    async function ruleOf(req: Req): Promise<ProactiveRecord> {
      await siteCaller(app, req, req.params.site);
      const p = await app.storage.getProactive(req.params.id);
      if (!p || p.siteId !== req.params.site) throw sbError(ErrorCode.NotFound, 'No such proactive message');
      return p;
    }

    /** Complete for its trigger, in one of the site's departments (or none). */
    async function checked(site: string, rule: ProactiveRule): Promise<ProactiveRule> {
      const why = incomplete(rule);
      if (why) throw sbError(ErrorCode.Validation, `body.${why}`);
      const departments = (await app.chat.site(site))?.departments ?? [];
      if (rule.department !== null && !departments.includes(rule.department))
        throw sbError(
          ErrorCode.Validation,
          `body.department: not a department of this site (${departments.join(', ')})`,
        );
      return rule;
    }

    app.get<{ Params: { site: string } }>(
      base,
      {
        schema: {
          summary: "The site's proactive messages, oldest first",
          tags: ['proactive messages'],
          response: { 200: Type.Array(RuleSchema) },
        },
      },
      async (req): Promise<ApiProactiveRule[]> => {
        await siteCaller(app, req, req.params.site);
        return (await app.storage.listProactive(req.params.site)).map(toApi);
      },
    );

    app.post<{ Params: { site: string }; Body: ApiProactiveRuleCreate }>(
      base,
      {
        schema: {
          summary: 'Create a proactive message (admins and API keys)',
          tags: ['proactive messages'],
          body: CreateSchema,
          response: { 200: RuleSchema },
        },
      },
      async (req): Promise<ApiProactiveRule> => {
        await siteCaller(app, req, req.params.site);
        if ((await app.storage.listProactive(req.params.site)).length >= MAX_RULES)
          throw sbError(
            ErrorCode.Conflict,
            `A site has at most ${MAX_RULES} proactive messages; delete one first`,
          );
        const b = req.body;
        const rule = await checked(req.params.site, {
          name: b.name,
          text: b.text,
          department: b.department ?? null,
          trigger: b.trigger,
          urlPattern: b.urlPattern ?? null,
          seconds: b.seconds,
          attribute: b.attribute ?? null,
          value: b.value ?? null,
          enabled: b.enabled ?? true,
        });
        const record: ProactiveRecord = {
          id: newId('pm'),
          siteId: req.params.site,
          rule,
          createdAt: Date.now(),
        };
        await app.storage.putProactive(record);
        return toApi(record);
      },
    );

    app.patch<{ Params: { site: string; id: string }; Body: ApiProactiveRuleUpdate }>(
      `${base}/:id`,
      {
        schema: {
          summary: 'Change a proactive message (one or more of its fields)',
          tags: ['proactive messages'],
          body: UpdateSchema,
          response: { 200: RuleSchema },
        },
      },
      async (req): Promise<ApiProactiveRule> => {
        const p = await ruleOf(req);
        const next = { ...p, rule: await checked(req.params.site, { ...p.rule, ...req.body }) };
        await app.storage.putProactive(next);
        return toApi(next);
      },
    );

    app.delete<{ Params: { site: string; id: string } }>(
      `${base}/:id`,
      {
        schema: {
          summary: 'Delete a proactive message',
          tags: ['proactive messages'],
          response: { 204: Type.Null() },
        },
      },
      async (req, reply) => {
        await ruleOf(req);
        await app.storage.deleteProactive(req.params.id);
        return reply.code(204).send();
      },
    );

    // ------------------------------------------------------------ the widget's list

    /** Only the site's own origins get CORS (the same-origin demo sends none). */
    async function allowed(req: FastifyRequest<{ Params: { site: string } }>, reply: FastifyReply) {
      const site = await app.chat.site(req.params.site);
      if (!site) throw sbError(ErrorCode.UnknownSite, `No site "${req.params.site.slice(0, 64)}"`);
      corsForSite(req, reply, site);
      return site;
    }

    app.get<{ Params: { site: string } }>(
      '/api/sites/:site/proactive',
      {
        schema: { response: { 200: PublicSchema } },
        config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
      },
      async (req, reply): Promise<PublicProactiveRules> => {
        const site = await allowed(req, reply);
        reply.header('cache-control', 'public, max-age=60');
        return { rules: publicRules(await app.storage.listProactive(site.id)) };
      },
    );
  },
  { name: 'switchboard-api-proactive', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
