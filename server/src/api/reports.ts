/**
 * Reports: `GET /api/v1/sites/:site/reports` — a site's conversations, response, wait and
 * handle times and CSAT over a date range, optionally for one agent or department. Computed by
 * the storage layer (the same figures on SQLite and PostgreSQL). Admins of the site or its API keys.
 */
import { Type } from '@sinclair/typebox';
import { type ApiReport, ErrorCode } from '@switchboard/protocol';
import { ApiReport as ApiReportSchema } from '@switchboard/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sbError } from '../errors.js';
import { siteCaller } from './site-auth.js';

const DAY = 86_400_000;
/** At most a year per report. */
const MAX_RANGE = 366 * DAY;

const ReportQuery = Type.Object(
  {
    from: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Epoch ms, inclusive; default: 30 days before `to`' }),
    ),
    to: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms, exclusive; default: now' })),
    agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    department: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

type Query = { from?: number; to?: number; agentId?: string; department?: string };

export const reportsApiPlugin = fp(
  async (app: FastifyInstance) => {
    app.get<{ Params: { site: string }; Querystring: Query }>(
      '/api/v1/sites/:site/reports',
      {
        schema: {
          summary:
            'Figures over a date range: conversations created, closed, average first response, wait and handle times, CSAT',
          tags: ['reports'],
          querystring: ReportQuery,
          response: { 200: ApiReportSchema },
        },
      },
      async (req): Promise<ApiReport> => {
        await siteCaller(app, req, req.params.site);
        const to = req.query.to ?? Date.now();
        const from = req.query.from ?? to - 30 * DAY;
        if (from >= to)
          throw sbError(ErrorCode.Validation, 'querystring.from: must be before querystring.to');
        if (to - from > MAX_RANGE)
          throw sbError(ErrorCode.Validation, 'querystring.from: at most 366 days per report');
        const f = await app.storage.siteReport({
          siteId: req.params.site,
          from,
          to,
          agentId: req.query.agentId ?? null,
          department: req.query.department ?? null,
        });
        const count = f.ratings.reduce((a, b) => a + b, 0);
        const sum = f.ratings.reduce((a, n, i) => a + n * (i + 1), 0);
        return {
          site: req.params.site,
          from,
          to,
          agentId: req.query.agentId ?? null,
          department: req.query.department ?? null,
          conversations: f.conversations,
          closed: f.closed,
          firstResponseMs: f.firstResponseMs,
          waitMs: f.waitMs,
          handleMs: f.handleMs,
          csat: {
            count,
            average: count ? Math.round((sum / count) * 100) / 100 : null,
            distribution: f.ratings,
          },
        };
      },
    );
  },
  { name: 'switchboard-api-reports', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
