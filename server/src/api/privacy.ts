/**
 * Personal data (admins and API keys of the site): `GET /api/v1/sites/:site/visitors/:id/export`
 * gives everything stored about a visitor as one JSON file; `DELETE /api/v1/sites/:site/visitors/:id`
 * erases it (conversations, messages, notes, ratings, visit, block, profile) and sends the
 * `visitor.deleted` webhook. Retention is a site setting (`retentionDays`, admin API).
 */
import type { ApiVisitorDeleted, ApiVisitorExport } from '@switchboard/protocol';
import {
  ApiVisitorDeleted as ApiVisitorDeletedSchema,
  ApiVisitorExport as ApiVisitorExportSchema,
} from '@switchboard/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { VisitorData } from '../chat/index.js';
import { apiConversation, apiVisitor } from './conversations.js';
import { actingAs, siteCaller } from './site-auth.js';

function exportOf(site: string, d: VisitorData, at: number): ApiVisitorExport {
  const v = d.visit;
  return {
    exportedAt: at,
    site,
    visitor: apiVisitor(d.visitor),
    visit: v
      ? {
          pages: v.pages,
          referrer: v.referrer,
          userAgent: v.userAgent,
          tzOffset: v.tzOffset,
          locale: v.locale,
          updatedAt: v.updatedAt,
        }
      : null,
    block: d.block ? { by: d.block.by, reason: d.block.reason, createdAt: d.block.createdAt } : null,
    conversations: d.conversations.map((c) => ({
      conversation: apiConversation(c.conversation),
      messages: c.messages,
      notes: c.notes,
      ratings: c.ratings.map((r) => ({ score: r.score, comment: r.comment, createdAt: r.createdAt })),
    })),
  };
}

export const privacyApiPlugin = fp(
  async (app: FastifyInstance) => {
    app.get<{ Params: { site: string; id: string } }>(
      '/api/v1/sites/:site/visitors/:id/export',
      {
        schema: {
          summary:
            "Everything stored about a visitor, as one JSON file (a data subject's access request; admins and API keys)",
          tags: ['visitors'],
          response: { 200: ApiVisitorExportSchema },
        },
      },
      async (req, reply): Promise<ApiVisitorExport> => {
        await siteCaller(app, req, req.params.site);
        const data = await app.chat.exportVisitor(req.params.site, req.params.id);
        req.log.info({ site: req.params.site, visitor: data.visitor.id }, 'visitor data exported');
        reply
          .header('content-disposition', `attachment; filename="visitor-${data.visitor.id}.json"`)
          .header('cache-control', 'no-store');
        return exportOf(req.params.site, data, Date.now());
      },
    );

    app.delete<{ Params: { site: string; id: string } }>(
      '/api/v1/sites/:site/visitors/:id',
      {
        schema: {
          summary:
            'Erase a visitor: their conversations, messages, notes, ratings, visit and profile are deleted; webhooks get visitor.deleted (admins and API keys)',
          tags: ['visitors'],
          response: { 200: ApiVisitorDeletedSchema },
        },
      },
      async (req): Promise<ApiVisitorDeleted> => {
        const caller = await siteCaller(app, req, req.params.site);
        return app.chat.deleteVisitor(actingAs(caller, req.params.site), req.params.site, req.params.id);
      },
    );
  },
  { name: 'switchboard-api-privacy', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
