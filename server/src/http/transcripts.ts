/**
 * Visitors' transcripts from the widget: `GET /api/visitor/transcript[?conversationId=]` (a text
 * file) and `POST /api/visitor/transcript/email` (mailed to the visitor's stored email). The
 * visitor's token as `Authorization: Bearer`; from a shop page its Origin must be one the site
 * allows (CORS for those only). Without `conversationId`: the visitor's current conversation.
 */
import { Type } from '@sinclair/typebox';
import { ErrorCode, type VisitorTranscriptEmailRequest } from '@switchboard/protocol';
import { VisitorTranscriptEmailRequest as EmailRequestSchema } from '@switchboard/protocol/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { VisitorActor } from '../chat/index.js';
import { sbError } from '../errors.js';
import type { BucketRule } from '../limits.js';
import { bearerToken } from './auth.js';
import { corsForSite } from './origin.js';

/** Downloads: 10 a minute per visitor; mails: 3 per 10 minutes per visitor. */
const DOWNLOADS: BucketRule = { burst: 10, refillPerSec: 10 / 60 };
const MAILS: BucketRule = { burst: 3, refillPerSec: 3 / 600 };

const DownloadQuery = Type.Object(
  { conversationId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);

export const transcriptsPlugin = fp(
  async (app: FastifyInstance) => {
    /** The visitor of the token, from an allowed origin (or none: same-origin), not blocked. */
    async function visitor(req: FastifyRequest, reply: FastifyReply): Promise<VisitorActor> {
      const payload = app.auth.verify(bearerToken(req));
      if (payload?.kind !== 'visitor')
        throw sbError(ErrorCode.Unauthorized, 'Authorization: Bearer <visitor token> required');
      const site = await app.chat.site(payload.site);
      if (!site) throw sbError(ErrorCode.Unauthorized, 'Missing or invalid token');
      corsForSite(req, reply, site);
      if (await app.chat.isBlocked(payload.vid))
        throw sbError(ErrorCode.Forbidden, 'This visitor is blocked on this site');
      return { siteId: site.id, visitorId: payload.vid };
    }

    async function take(reply: FastifyReply, key: string, rule: BucketRule, what: string): Promise<void> {
      if (await app.limits.take(key, rule)) return;
      const s = Math.ceil(1 / rule.refillPerSec);
      reply.header('retry-after', String(s));
      throw sbError(ErrorCode.RateLimited, `Too many ${what}; retry in ${s} s`);
    }

    /** Preflight: the Authorization header, for origins a site allows only. */
    const preflight = (methods: string) => async (req: FastifyRequest, reply: FastifyReply) => {
      const origin = req.headers.origin;
      // A preflight carries no token: an origin some site allows may ask; the request itself is checked.
      if (typeof origin === 'string' && (await app.chat.originOfAnySite(origin))) {
        reply
          .header('access-control-allow-origin', origin)
          .header('vary', 'Origin')
          .header('access-control-allow-methods', methods)
          .header('access-control-allow-headers', 'authorization, content-type')
          .header('access-control-expose-headers', 'content-disposition')
          .header('access-control-max-age', '600');
      }
      return reply.code(204).send();
    };

    app.options('/api/visitor/transcript', preflight('GET'));
    app.get<{ Querystring: { conversationId?: string } }>(
      '/api/visitor/transcript',
      { schema: { querystring: DownloadQuery } },
      async (req, reply) => {
        const v = await visitor(req, reply);
        await take(reply, `transcript:visitor:${v.visitorId}`, DOWNLOADS, 'transcript downloads');
        const t = await app.chat.visitorTranscript(v, req.query.conversationId);
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="transcript-${t.conversationId}.txt"`)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .serializer((p: unknown) => String(p))
          .send(t.text);
      },
    );

    app.options('/api/visitor/transcript/email', preflight('POST'));
    app.post(
      '/api/visitor/transcript/email',
      { schema: { body: EmailRequestSchema } },
      async (req, reply) => {
        const v = await visitor(req, reply);
        if (!app.mailer.enabled)
          throw sbError(ErrorCode.Unavailable, 'This server sends no mail (SMTP_URL is not set)');
        await take(reply, `transcript-mail:visitor:${v.visitorId}`, MAILS, 'transcript mails');
        const body = (req.body ?? {}) as VisitorTranscriptEmailRequest;
        await app.chat.mailVisitorTranscript(v, body.conversationId);
        return reply.code(202).send({ ok: true });
      },
    );
  },
  { name: 'switchboard-transcripts', dependencies: ['switchboard-auth', 'switchboard-mail'] },
);
