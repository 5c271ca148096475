/**
 * The versioned REST API for the shop's systems (`/api/v1`, docs/integration.md): the site's API
 * keys (admins) and notify v1 (an API key or the site secret; idempotent on `id`).
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { type ApiKeyCreated, type ApiKeyInfo, ErrorCode, type NotifyV1Response } from '@switchboard/protocol';
import {
  ApiKeyCreated as ApiKeyCreatedSchema,
  ApiKeyCreateRequest,
  ApiKeyInfo as ApiKeyInfoSchema,
  NotifyV1Request,
  NotifyV1Response as NotifyV1ResponseSchema,
} from '@switchboard/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { activeSecrets } from '../admin/site-secret.js';
import { sbError } from '../errors.js';
import { bearerToken, secretsEqual } from '../http/auth.js';
import { newId, randomSecret } from '../ids.js';
import { wellFormed } from '../routing/text.js';
import type { ApiKeyRecord } from '../storage/types.js';
import { API_KEY_PREFIX, apiKeyHash, siteCaller } from './site-auth.js';

function keyInfo(k: ApiKeyRecord): ApiKeyInfo {
  return { id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt, revokedAt: k.revokedAt };
}

function newKey(): { key: string; hash: string; prefix: string } {
  const key = `${API_KEY_PREFIX}${randomSecret(24)}`;
  return { key, hash: apiKeyHash(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

export const apiPlugin = fp(
  async (app: FastifyInstance) => {
    const keys = '/api/v1/sites/:site/api-keys';

    /** Keys are managed by the site's admins only (a key cannot mint keys). */
    async function adminOnly(
      req: import('fastify').FastifyRequest<{ Params: { site: string } }>,
    ): Promise<void> {
      const caller = await siteCaller(app, req, req.params.site);
      if (caller.kind !== 'agent')
        throw sbError(ErrorCode.Forbidden, 'API keys are managed by admins in the console');
    }

    async function keyOf(site: string, id: string): Promise<ApiKeyRecord> {
      const k = await app.storage.getApiKey(id);
      if (!k || k.siteId !== site) throw sbError(ErrorCode.NotFound, 'No such API key');
      return k;
    }

    app.post<{ Params: { site: string } }>(
      keys,
      {
        schema: {
          summary: 'Create an API key (admins; the key is in the answer, once)',
          tags: ['api keys'],
          body: ApiKeyCreateRequest,
          response: { 200: ApiKeyCreatedSchema },
        },
      },
      async (req): Promise<ApiKeyCreated> => {
        await adminOnly(req);
        const { name } = req.body as Static<typeof ApiKeyCreateRequest>;
        const made = newKey();
        const record: ApiKeyRecord = {
          id: newId('key'),
          siteId: req.params.site,
          name: name.trim() || 'API key',
          keyHash: made.hash,
          prefix: made.prefix,
          createdAt: Date.now(),
          revokedAt: null,
        };
        await app.storage.createApiKey(record);
        return { ...keyInfo(record), key: made.key };
      },
    );

    app.get<{ Params: { site: string } }>(
      keys,
      {
        schema: {
          summary: "The site's API keys (never the keys themselves)",
          tags: ['api keys'],
          response: { 200: Type.Array(ApiKeyInfoSchema) },
        },
      },
      async (req): Promise<ApiKeyInfo[]> => {
        await adminOnly(req);
        return (await app.storage.listApiKeys(req.params.site)).map(keyInfo);
      },
    );

    app.post<{ Params: { site: string; id: string } }>(
      `${keys}/:id/rotate`,
      {
        schema: {
          summary: 'A new key for the same record; the old key stops at once',
          tags: ['api keys'],
          response: { 200: ApiKeyCreatedSchema },
        },
      },
      async (req): Promise<ApiKeyCreated> => {
        await adminOnly(req);
        await keyOf(req.params.site, req.params.id);
        const made = newKey();
        const k = await app.storage.replaceApiKey(req.params.id, made.hash, made.prefix);
        if (!k) throw sbError(ErrorCode.Conflict, 'This key is revoked: create a new one');
        return { ...keyInfo(k), key: made.key };
      },
    );

    app.delete<{ Params: { site: string; id: string } }>(
      `${keys}/:id`,
      { schema: { summary: 'Revoke an API key', tags: ['api keys'], response: { 204: Type.Null() } } },
      async (req, reply) => {
        await adminOnly(req);
        await keyOf(req.params.site, req.params.id);
        await app.storage.revokeApiKey(req.params.id, Date.now());
        return reply.code(204).send();
      },
    );

    app.post<{ Params: { site: string } }>(
      '/api/v1/sites/:site/notify',
      {
        schema: {
          summary: 'Send a shopper a message from the shop (API key or site secret; idempotent on id)',
          tags: ['notify'],
          body: NotifyV1Request,
          response: { 200: NotifyV1ResponseSchema },
        },
      },
      async (req): Promise<NotifyV1Response> => {
        const site = await app.chat.site(req.params.site);
        if (!site) throw sbError(ErrorCode.UnknownSite, `No site "${req.params.site.slice(0, 64)}"`);
        const token = bearerToken(req) ?? '';
        // The site secret keeps working here too (shops moving from the first notify API).
        if (!activeSecrets(site).some((k) => secretsEqual(token, k))) await siteCaller(app, req, site.id);
        const body = req.body as Static<typeof NotifyV1Request>;
        if (!wellFormed(body.id)) throw sbError(ErrorCode.Validation, 'body.id: not well-formed Unicode');
        if ((body.userId === undefined) === (body.visitorId === undefined)) {
          throw sbError(ErrorCode.Validation, 'body: give exactly one of userId and visitorId');
        }
        return app.chat.notify(site, body);
      },
    );
  },
  { name: 'switchboard-api', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
