/**
 * Files: `POST /api/sites/:site/attachments?name=<file name>` (the raw bytes as the body, a
 * visitor's or an agent's token as `Authorization: Bearer`) stores an upload; a `send` frame
 * then carries its id. `GET /api/attachments/:id?e=&s=` serves a file sent in a message, to
 * whoever holds the signed link the server put in that message (see chat/attachments.ts).
 */
import { Type } from '@sinclair/typebox';
import { type AttachmentUpload, ErrorCode } from '@switchboard/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { sbError } from '../errors.js';
import { agentTokenCurrent, bearerToken } from './auth.js';
import { corsForSite, originAllowed } from './origin.js';

export interface AttachmentsPluginOptions {
  config: Config;
}

const UploadQuery = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
const ReadQuery = Type.Object(
  { e: Type.String({ maxLength: 20 }), s: Type.String({ maxLength: 128 }) },
  { additionalProperties: false },
);

/** `filename*` (RFC 6266 / 5987) plus an ASCII fallback: whatever the name, no header injection. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export const attachmentsPlugin = fp<AttachmentsPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const maxBytes = opts.config.attachments.maxBytes;

    /** The uploader: a visitor of this site (from an allowed origin) or an active agent of it. */
    async function uploader(req: FastifyRequest, reply: FastifyReply, site: string): Promise<string> {
      const payload = app.auth.verify(bearerToken(req));
      if (payload?.kind === 'visitor' && payload.site === site) {
        const record = await app.chat.site(site);
        if (!record) throw sbError(ErrorCode.UnknownSite);
        // A visitor uploads from the shop's page: its origin must be one the site allows.
        corsForSite(req, reply, record);
        if (await app.chat.isBlocked(payload.vid))
          throw sbError(ErrorCode.Forbidden, 'This visitor is blocked on this site');
        return `v:${payload.vid}`;
      }
      if (payload?.kind === 'agent' && payload.site === site) {
        const agent = await app.chat.agent(payload.sub, payload.site);
        if (agentTokenCurrent(agent, payload) && !app.sessions.isEnded(payload.sid)) return `a:${agent.id}`;
      }
      throw sbError(ErrorCode.Unauthorized, 'Missing or invalid token for this site');
    }

    await app.register(async (scope) => {
      // The body is the file itself, whatever the client calls its type: read as bytes, up to
      // the cap (beyond it: 413 before the rest is read). The type comes from the bytes.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) =>
        done(null, body),
      );

      scope.options<{ Params: { site: string } }>('/api/sites/:site/attachments', async (req, reply) => {
        const site = await app.chat.site(req.params.site);
        const origin = req.headers.origin;
        if (site && typeof origin === 'string' && originAllowed(origin, site.allowedOrigins)) {
          reply
            .header('access-control-allow-origin', origin)
            .header('vary', 'Origin')
            .header('access-control-allow-methods', 'POST')
            .header('access-control-allow-headers', 'authorization, content-type')
            .header('access-control-max-age', '600');
        }
        return reply.code(204).send();
      });

      scope.post<{ Params: { site: string }; Querystring: { name: string }; Body: Buffer }>(
        '/api/sites/:site/attachments',
        {
          bodyLimit: maxBytes,
          schema: { querystring: UploadQuery },
          config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
        },
        async (req, reply): Promise<AttachmentUpload> => {
          const owner = await uploader(req, reply, req.params.site);
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const stored = await app.chat.attachments.upload(req.params.site, owner, req.query.name, body);
          reply.code(201);
          return stored;
        },
      );
    });

    app.get<{ Params: { id: string }; Querystring: { e: string; s: string } }>(
      '/api/attachments/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }),
          querystring: ReadQuery,
        },
      },
      async (req, reply) => {
        const { record, data } = await app.chat.attachments.read(req.params.id, req.query.e, req.query.s);
        const image = record.type.startsWith('image/');
        const left = Math.max(0, Number(req.query.e) - Math.floor(Date.now() / 1000));
        return (
          reply
            .type(record.type)
            .header('x-content-type-options', 'nosniff')
            // Images show inline (an `img` in the widget and the console); anything else downloads.
            .header('content-disposition', contentDisposition(image ? 'inline' : 'attachment', record.name))
            // Even opened on its own, the file is no document that could run script.
            .header('content-security-policy', "default-src 'none'; img-src 'self'; sandbox")
            .header('cross-origin-resource-policy', 'cross-origin')
            .header('cache-control', `private, max-age=${Math.min(left, 3600)}`)
            .header('referrer-policy', 'no-referrer')
            .send(data)
        );
      },
    );
  },
  { name: 'switchboard-attachments', dependencies: ['switchboard-auth'] },
);
