/**
 * Webhooks: the admin API under `/api/v1/sites/:site/webhooks` (DESIGN.md "Integrations") and
 * the delivery worker of this process. Registering, changing or removing a webhook is an
 * administration change: every node re-reads the site's webhooks (admin/watch.ts).
 */
import { isIP } from 'node:net';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import {
  type DeliveryInfo,
  ErrorCode,
  type WebhookCreateResponse,
  type WebhookInfo,
} from '@switchboard/protocol';
import {
  DeliveryInfo as DeliveryInfoSchema,
  WebhookCreateRequest,
  WebhookCreateResponse as WebhookCreateResponseSchema,
  WebhookInfo as WebhookInfoSchema,
} from '@switchboard/protocol/schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { siteCaller } from '../api/site-auth.js';
import type { Config } from '../config.js';
import { sbError } from '../errors.js';
import { newId, randomSecret } from '../ids.js';
import type { DeliveryRecord, WebhookRecord } from '../storage/types.js';
import { DeliveryWorker, isPrivateAddress } from './deliver.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhookWorker: DeliveryWorker;
  }
}

export interface WebhooksPluginOptions {
  config: Config;
}

const WebhookPatchRequest = Type.Object(
  {
    url: Type.Optional(WebhookCreateRequest.properties.url),
    events: Type.Optional(WebhookCreateRequest.properties.events),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

function info(w: WebhookRecord): WebhookInfo {
  return { id: w.id, url: w.url, events: w.events, active: w.active, createdAt: w.createdAt };
}

function deliveryInfo(d: DeliveryRecord): DeliveryInfo {
  return {
    id: d.id,
    eventId: d.eventId,
    type: d.type,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAt: d.nextAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** An endpoint URL admins may register: http(s), no credentials, not obviously private. */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'url: not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'url: only http:// and https:// endpoints';
  if (u.username || u.password) return 'url: no credentials in the URL (put a token in its path or query)';
  if (allowPrivate) return null;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateAddress(host))) {
    return 'url: loopback, link-local and private addresses are refused (WEBHOOK_ALLOW_PRIVATE=1 allows them)';
  }
  return null;
}

export const webhooksPlugin = fp<WebhooksPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const cfg = opts.config.webhooks;
    const worker = new DeliveryWorker(app.storage, cfg, app.timers, app.log, (outcome, sinceEventMs) => {
      app.metrics.webhookAttempts.inc({ outcome });
      if (outcome === 'delivered') app.metrics.webhookLatency.observe(sinceEventMs / 1000);
    });
    app.decorate('webhookWorker', worker);
    app.addHook('onReady', async () => worker.start());
    app.addHook('preClose', async () => worker.stop());

    /** An admin of the site in the URL signed in to it, or an API key of the site. */
    async function siteAdmin(req: FastifyRequest<{ Params: { site: string } }>): Promise<void> {
      await siteCaller(app, req, req.params.site);
    }

    async function webhookOf(site: string, id: string): Promise<WebhookRecord> {
      const w = await app.storage.getWebhook(id);
      if (!w || w.siteId !== site) throw sbError(ErrorCode.NotFound, 'No such webhook');
      return w;
    }

    const base = '/api/v1/sites/:site/webhooks';

    app.post<{ Params: { site: string } }>(
      base,
      {
        schema: {
          summary: 'Register a webhook endpoint (its signing secret is in the answer, once)',
          tags: ['webhooks'],
          body: WebhookCreateRequest,
          response: { 200: WebhookCreateResponseSchema },
        },
      },
      async (req): Promise<WebhookCreateResponse> => {
        await siteAdmin(req);
        const body = req.body as Static<typeof WebhookCreateRequest>;
        const problem = webhookUrlProblem(body.url, cfg.allowPrivate);
        if (problem) throw sbError(ErrorCode.Validation, problem);
        const w: WebhookRecord = {
          id: newId('wh'),
          siteId: req.params.site,
          url: body.url,
          events: body.events,
          secret: randomSecret(24),
          active: true,
          createdAt: Date.now(),
        };
        await app.storage.createWebhook(w);
        await app.admin.announce();
        return { id: w.id, secret: w.secret };
      },
    );

    app.get<{ Params: { site: string } }>(
      base,
      {
        schema: {
          summary: "The site's webhooks",
          tags: ['webhooks'],
          response: { 200: Type.Array(WebhookInfoSchema) },
        },
      },
      async (req): Promise<WebhookInfo[]> => {
        await siteAdmin(req);
        return (await app.storage.listWebhooks(req.params.site)).map(info);
      },
    );

    app.patch<{ Params: { site: string; id: string } }>(
      `${base}/:id`,
      {
        schema: {
          summary: 'Change a webhook (url, events, on or off)',
          tags: ['webhooks'],
          body: WebhookPatchRequest,
          response: { 200: WebhookInfoSchema },
        },
      },
      async (req): Promise<WebhookInfo> => {
        await siteAdmin(req);
        await webhookOf(req.params.site, req.params.id);
        const body = req.body as Static<typeof WebhookPatchRequest>;
        if (body.url !== undefined) {
          const problem = webhookUrlProblem(body.url, cfg.allowPrivate);
          if (problem) throw sbError(ErrorCode.Validation, problem);
        }
        const w = await app.storage.updateWebhook(req.params.id, body);
        if (!w) throw sbError(ErrorCode.NotFound, 'No such webhook');
        await app.admin.announce();
        return info(w);
      },
    );

    // Removing keeps the history of its deliveries: the webhook is switched off for good.
    app.delete<{ Params: { site: string; id: string } }>(
      `${base}/:id`,
      {
        schema: {
          summary: 'Switch a webhook off for good (its deliveries stay listed)',
          tags: ['webhooks'],
          response: { 204: Type.Null() },
        },
      },
      async (req, reply) => {
        await siteAdmin(req);
        await webhookOf(req.params.site, req.params.id);
        await app.storage.updateWebhook(req.params.id, { active: false });
        await app.admin.announce();
        return reply.code(204).send();
      },
    );

    app.get<{ Params: { site: string; id: string }; Querystring: { limit?: number } }>(
      `${base}/:id/deliveries`,
      {
        schema: {
          summary: "A webhook's last deliveries, newest first",
          tags: ['webhooks'],
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
          response: { 200: Type.Array(DeliveryInfoSchema) },
        },
      },
      async (req): Promise<DeliveryInfo[]> => {
        await siteAdmin(req);
        await webhookOf(req.params.site, req.params.id);
        const limit = Number(req.query.limit ?? 50);
        return (await app.storage.listDeliveries(req.params.id, limit)).map(deliveryInfo);
      },
    );

    app.post<{ Params: { site: string; id: string; delivery: string } }>(
      `${base}/:id/deliveries/:delivery/redeliver`,
      {
        schema: {
          summary: 'Send a delivery again now (same delivery and event id)',
          tags: ['webhooks'],
          response: { 200: DeliveryInfoSchema },
        },
      },
      async (req): Promise<DeliveryInfo> => {
        await siteAdmin(req);
        await webhookOf(req.params.site, req.params.id);
        const d = await app.storage.getDelivery(req.params.delivery);
        if (!d || d.webhookId !== req.params.id) throw sbError(ErrorCode.NotFound, 'No such delivery');
        const again = await app.storage.redeliver(d.id, Date.now());
        if (!again) throw sbError(ErrorCode.NotFound, 'No such delivery');
        worker.kick();
        return deliveryInfo(again);
      },
    );
  },
  { name: 'switchboard-webhooks', dependencies: ['switchboard-admin'] },
);
