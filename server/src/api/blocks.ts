/**
 * Blocking: `POST /api/v1/sites/:site/visitors/:id/block` (any agent of the site, or an API
 * key) closes the visitor's sockets and open conversations and refuses them from then on;
 * `DELETE …/block` and `GET /api/v1/sites/:site/blocks` are for admins and API keys.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { ApiBlock } from '@switchboard/protocol';
import { ApiBlockRequest, ApiBlock as ApiBlockSchema } from '@switchboard/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { BlockRecord } from '../storage/types.js';
import { actingAs, siteCaller } from './site-auth.js';

export const blocksApiPlugin = fp(
  async (app: FastifyInstance) => {
    async function toApi(b: BlockRecord): Promise<ApiBlock> {
      const v = await app.chat.visitor(b.visitorId);
      return {
        visitorId: b.visitorId,
        site: b.siteId,
        by: b.by,
        reason: b.reason,
        createdAt: b.createdAt,
        visitor: { name: v?.name ?? null, email: v?.email ?? null },
      };
    }

    app.post<{ Params: { site: string; id: string } }>(
      '/api/v1/sites/:site/visitors/:id/block',
      {
        schema: {
          summary:
            'Block a visitor (abuse, spam): their sockets and open conversations close, new sessions are refused',
          tags: ['visitors'],
          body: ApiBlockRequest,
          response: { 200: ApiBlockSchema },
        },
      },
      async (req): Promise<ApiBlock> => {
        const caller = await siteCaller(app, req, req.params.site, { agentsToo: true });
        const reason = (req.body as Static<typeof ApiBlockRequest> | undefined)?.reason?.trim() || null;
        const block = await app.chat.blockVisitor(actingAs(caller, req.params.site), req.params.id, reason);
        return toApi(block);
      },
    );

    app.delete<{ Params: { site: string; id: string } }>(
      '/api/v1/sites/:site/visitors/:id/block',
      {
        schema: {
          summary: 'Unblock a visitor (admins and API keys)',
          tags: ['visitors'],
          response: { 204: Type.Null() },
        },
      },
      async (req, reply) => {
        await siteCaller(app, req, req.params.site);
        await app.chat.unblockVisitor(req.params.site, req.params.id);
        return reply.code(204).send();
      },
    );

    app.get<{ Params: { site: string } }>(
      '/api/v1/sites/:site/blocks',
      {
        schema: {
          summary: "The site's blocked visitors, newest first (admins and API keys)",
          tags: ['visitors'],
          response: { 200: Type.Array(ApiBlockSchema) },
        },
      },
      async (req): Promise<ApiBlock[]> => {
        await siteCaller(app, req, req.params.site);
        return Promise.all((await app.chat.listBlocks(req.params.site)).map(toApi));
      },
    );
  },
  { name: 'switchboard-api-blocks', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
