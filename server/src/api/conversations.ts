/**
 * REST API v1, read side: a site's conversations (filtered, cursor-paged), a conversation, its
 * messages by seq cursor, its transcript (JSON or text), a visitor, the agents. Authorised for
 * an API key of the site, or any active agent of the site (their console token).
 */
import { Type } from '@sinclair/typebox';
import {
  type ApiAgent,
  type ApiAssignRequest,
  type ApiConversation,
  type ApiConversationPage,
  type ApiMessagePage,
  type ApiSearchPage,
  type ApiSendRequest,
  type ApiSendResponse,
  type ApiTranscript,
  type ApiVisitor,
  type ApiVisitorContext,
  ErrorCode,
} from '@switchboard/protocol';
import {
  ApiAgent as ApiAgentSchema,
  ApiAssignRequest as ApiAssignRequestSchema,
  ApiConversationPage as ApiConversationPageSchema,
  ApiConversation as ApiConversationSchema,
  ApiMessagePage as ApiMessagePageSchema,
  ApiSearchPage as ApiSearchPageSchema,
  ApiSendRequest as ApiSendRequestSchema,
  ApiSendResponse as ApiSendResponseSchema,
  ApiTranscript as ApiTranscriptSchema,
  ApiVisitorContext as ApiVisitorContextSchema,
  ApiVisitor as ApiVisitorSchema,
} from '@switchboard/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { transcriptText } from '../chat/index.js';
import { sbError } from '../errors.js';
import { newId } from '../ids.js';
import { wellFormed } from '../routing/text.js';
import { searchTerms, snippet } from '../storage/search.js';
import type { AgentRecord, ConversationFilter, ConversationRecord, VisitorRecord } from '../storage/types.js';
import { webhookConversation } from '../webhooks/events.js';
import { actingAs, siteCaller } from './site-auth.js';

const MAX_PAGE = 200;

export function apiConversation(c: ConversationRecord): ApiConversation {
  return { ...webhookConversation(c), lastSeq: c.lastSeq, lastMessage: c.lastMessage };
}

export function apiVisitor(v: VisitorRecord): ApiVisitor {
  return {
    id: v.id,
    externalId: v.externalId,
    name: v.name,
    email: v.email,
    verified: v.verified,
    attributes: v.attributes,
    createdAt: v.createdAt,
    lastSeenAt: v.lastSeenAt,
  };
}

function encodeCursor(c: ConversationRecord): string {
  return Buffer.from(`${c.createdAt}:${c.id}`).toString('base64url');
}

function decodeCursor(raw: string): { createdAt: number; id: string } {
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const m = /^(\d+):(.{1,64})$/.exec(text);
  if (!m) throw sbError(ErrorCode.Validation, 'querystring.cursor: not a cursor this API gave out');
  return { createdAt: Number(m[1]), id: m[2] as string };
}

const SearchQuery = Type.Object(
  {
    // Checked in the handler, after the caller: a missing word is a 400 naming `q`.
    q: Type.Optional(Type.String({ maxLength: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  },
  { additionalProperties: false },
);

/** One search page over `siteIds` (a `q` without a word is a 400 naming it). */
export async function searchPage(
  app: FastifyInstance,
  siteIds: readonly string[],
  q: string | undefined,
  cursor: string | undefined,
  limit: number,
): Promise<ApiSearchPage> {
  const terms = searchTerms(q ?? '');
  if (q === undefined || terms.length === 0)
    throw sbError(ErrorCode.Validation, 'querystring.q: give at least one word to search');
  const hits = await app.storage.searchConversations(
    siteIds,
    q,
    cursor ? decodeCursor(cursor) : null,
    limit + 1,
  );
  const page = hits.slice(0, limit);
  const visitors = await Promise.all(page.map((h) => app.storage.getVisitor(h.conversation.visitorId)));
  const last = page[page.length - 1];
  return {
    items: page.map((h, i) => ({
      conversation: apiConversation(h.conversation),
      visitor: { name: visitors[i]?.name ?? null, email: visitors[i]?.email ?? null },
      snippet: h.message ? snippet(h.message.text, terms) : [],
      seq: h.message?.seq ?? null,
    })),
    nextCursor: hits.length > limit && last ? encodeCursor(last.conversation) : null,
  };
}

const ConversationQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('queued'), Type.Literal('assigned'), Type.Literal('closed')]),
    ),
    department: Type.Optional(Type.String({ maxLength: 64 })),
    agentId: Type.Optional(Type.String({ maxLength: 64 })),
    visitorId: Type.Optional(Type.String({ maxLength: 64 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  },
  { additionalProperties: false },
);

export const conversationsApiPlugin = fp(
  async (app: FastifyInstance) => {
    const base = '/api/v1/sites/:site';
    type SiteParams = { Params: { site: string } };
    type ConvParams = { Params: { site: string; id: string } };

    async function conversationOf(site: string, id: string): Promise<ConversationRecord> {
      const c = await app.storage.getConversation(id);
      if (!c || c.siteId !== site) throw sbError(ErrorCode.NotFound, 'No such conversation');
      return c;
    }

    app.get<SiteParams & { Querystring: Partial<Record<keyof typeof ConversationQuery.properties, string>> }>(
      `${base}/conversations`,
      {
        schema: {
          summary: "The site's conversations, newest first, filtered by state, department, agent or visitor",
          tags: ['conversations'],
          querystring: ConversationQuery,
          response: { 200: ApiConversationPageSchema },
        },
      },
      async (req): Promise<ApiConversationPage> => {
        await siteCaller(app, req, req.params.site, { agentsToo: true });
        const q = req.query as unknown as import('@sinclair/typebox').Static<typeof ConversationQuery>;
        const filter: ConversationFilter = {};
        if (q.status) filter.status = q.status;
        if (q.department !== undefined) filter.department = q.department === '' ? null : q.department;
        if (q.agentId) filter.agentId = q.agentId;
        if (q.visitorId) filter.visitorId = q.visitorId;
        const limit = q.limit ?? 50;
        const rows = await app.storage.listConversations(
          req.params.site,
          filter,
          q.cursor ? decodeCursor(q.cursor) : null,
          limit + 1,
        );
        const items = rows.slice(0, limit);
        const last = items[items.length - 1];
        return {
          items: items.map(apiConversation),
          nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
        };
      },
    );

    // ------------------------------------------------ the console's history and search (agents)

    /** The sites an agent may read: those they are an active member of (`site` narrows to one). */
    async function agentSites(
      req: import('fastify').FastifyRequest,
      site: string | undefined,
    ): Promise<string[]> {
      const agent = req.agent;
      if (!agent) throw sbError(ErrorCode.Unauthorized);
      const active = (await app.storage.listMemberships(agent.id))
        .filter((m) => m.active)
        .map((m) => m.siteId);
      if (site === undefined) return active;
      if (!active.includes(site)) {
        throw sbError(
          ErrorCode.Forbidden,
          `querystring.site: you are not an active member of site "${site.slice(0, 64)}"`,
        );
      }
      return [site];
    }

    const ConsoleQuery = Type.Object(
      {
        site: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        q: Type.Optional(Type.String({ maxLength: 200 })),
        cursor: Type.Optional(Type.String({ maxLength: 200 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
      },
      { additionalProperties: false },
    );
    type ConsoleQs = { Querystring: { site?: string; q?: string; cursor?: string; limit?: number } };

    app.get<ConsoleQs>(
      '/api/search',
      { schema: { querystring: ConsoleQuery }, preHandler: app.requireAgent },
      async (req): Promise<ApiSearchPage> =>
        searchPage(
          app,
          await agentSites(req, req.query.site),
          req.query.q,
          req.query.cursor,
          req.query.limit ?? 20,
        ),
    );

    // Closed conversations of one site (default: the one the agent is signed in to), newest first.
    app.get<ConsoleQs>(
      '/api/conversations/closed',
      { schema: { querystring: ConsoleQuery }, preHandler: app.requireAgent },
      async (req): Promise<ApiSearchPage> => {
        const [site] = await agentSites(req, req.query.site ?? req.agent?.siteId);
        if (!site) throw sbError(ErrorCode.Forbidden, 'querystring.site: not an active member');
        const limit = req.query.limit ?? 30;
        const rows = await app.storage.listConversations(
          site,
          { status: 'closed' },
          req.query.cursor ? decodeCursor(req.query.cursor) : null,
          limit + 1,
        );
        const page = rows.slice(0, limit);
        const visitors = await Promise.all(page.map((c) => app.storage.getVisitor(c.visitorId)));
        const last = page[page.length - 1];
        return {
          items: page.map((c, i) => ({
            conversation: apiConversation(c),
            visitor: { name: visitors[i]?.name ?? null, email: visitors[i]?.email ?? null },
            snippet: c.lastMessage ? [{ text: c.lastMessage.text, match: false }] : [],
            seq: null,
          })),
          nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
        };
      },
    );

    app.get<SiteParams & { Querystring: { q?: string; cursor?: string; limit?: number } }>(
      `${base}/search`,
      {
        schema: {
          summary:
            "Full-text search of the site's conversations: message text and visitor names and emails, case- and accent-insensitive word prefixes, newest first",
          tags: ['conversations'],
          querystring: SearchQuery,
          response: { 200: ApiSearchPageSchema },
        },
      },
      async (req): Promise<ApiSearchPage> => {
        await siteCaller(app, req, req.params.site, { agentsToo: true });
        return searchPage(app, [req.params.site], req.query.q, req.query.cursor, req.query.limit ?? 20);
      },
    );

    app.get<ConvParams>(
      `${base}/conversations/:id`,
      {
        schema: {
          summary: 'One conversation',
          tags: ['conversations'],
          response: { 200: ApiConversationSchema },
        },
      },
      async (req): Promise<ApiConversation> => {
        await siteCaller(app, req, req.params.site, { agentsToo: true });
        return apiConversation(await conversationOf(req.params.site, req.params.id));
      },
    );

    app.get<ConvParams & { Querystring: { after?: number; limit?: number } }>(
      `${base}/conversations/:id/messages`,
      {
        schema: {
          summary: "A conversation's messages in seq order, from a seq cursor",
          tags: ['conversations'],
          querystring: Type.Object(
            {
              after: Type.Optional(Type.Integer({ minimum: 0 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
            },
            { additionalProperties: false },
          ),
          response: { 200: ApiMessagePageSchema },
        },
      },
      async (req): Promise<ApiMessagePage> => {
        await siteCaller(app, req, req.params.site, { agentsToo: true });
        const conv = await conversationOf(req.params.site, req.params.id);
        const after = req.query.after ?? 0;
        const limit = req.query.limit ?? 100;
        const items = app.chat.attachments.linkAll(await app.storage.messagesSince(conv.id, after, limit));
        const last = items[items.length - 1];
        return { items, nextAfter: last && last.seq < conv.lastSeq ? last.seq : null };
      },
    );

    app.get<ConvParams & { Querystring: { format?: 'json' | 'text' } }>(
      `${base}/conversations/:id/transcript`,
      {
        schema: {
          summary: 'The whole transcript, as JSON or (format=text) as a text file',
          tags: ['conversations'],
          querystring: Type.Object(
            { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')])) },
            { additionalProperties: false },
          ),
          response: { 200: ApiTranscriptSchema },
        },
      },
      async (req, reply) => {
        await siteCaller(app, req, req.params.site, { agentsToo: true });
        const conv = await conversationOf(req.params.site, req.params.id);
        const [visitor, site] = await Promise.all([
          app.storage.getVisitor(conv.visitorId),
          app.chat.site(conv.siteId),
        ]);
        if (!visitor || !site) throw sbError(ErrorCode.NotFound, 'No such conversation');
        const transcript: ApiTranscript = {
          conversation: apiConversation(conv),
          visitor: apiVisitor(visitor),
          messages: app.chat.attachments.linkAll(await app.storage.messagesSince(conv.id, 0)),
        };
        if (req.query.format === 'text') {
          return reply
            .type('text/plain; charset=utf-8')
            .header('content-disposition', `attachment; filename="transcript-${conv.id}.txt"`)
            .header('x-content-type-options', 'nosniff')
            .serializer((p: unknown) => String(p))
            .send(transcriptText(transcript, site.name));
        }
        return transcript;
      },
    );

    /** Who acts for a write: the agent, or — for an API key — the site's API as an admin. */
    async function actor(req: import('fastify').FastifyRequest<ConvParams>): Promise<AgentRecord> {
      const caller = await siteCaller(app, req, req.params.site, { agentsToo: true });
      if (caller.kind === 'agent') return caller.agent;
      const site = await app.chat.site(req.params.site);
      return actingAs(caller, req.params.site, site?.name ?? 'API');
    }

    app.post<ConvParams>(
      `${base}/conversations/:id/messages`,
      {
        schema: {
          summary:
            "Send a message: an agent's reply (agent token) or the shop's system message (API key); idempotent on cid",
          tags: ['conversations'],
          body: ApiSendRequestSchema,
          response: { 200: ApiSendResponseSchema },
        },
      },
      async (req): Promise<ApiSendResponse> => {
        const caller = await siteCaller(app, req, req.params.site, { agentsToo: true });
        const body = req.body as ApiSendRequest;
        if (!wellFormed(body.cid)) throw sbError(ErrorCode.Validation, 'body.cid: not well-formed Unicode');
        const conv = await conversationOf(req.params.site, req.params.id);
        if (caller.kind === 'agent') {
          const accepted = await app.chat.agentSend(caller.agent, {
            type: 'send',
            cid: body.cid,
            conversationId: conv.id,
            text: body.text,
          });
          const ack = await accepted.done;
          return { conversationId: conv.id, seq: ack.seq ?? conv.lastSeq };
        }
        const site = await app.chat.site(conv.siteId);
        if (!site) throw sbError(ErrorCode.NotFound, 'No such conversation');
        const r = await app.chat.notify(site, { conversationId: conv.id, text: body.text, id: body.cid });
        return { conversationId: r.conversationId, seq: r.seq };
      },
    );

    app.post<ConvParams>(
      `${base}/conversations/:id/close`,
      {
        schema: {
          summary: 'Close a conversation',
          tags: ['conversations'],
          response: { 200: ApiConversationSchema },
        },
      },
      async (req): Promise<ApiConversation> => {
        const by = await actor(req);
        const conv = await conversationOf(req.params.site, req.params.id);
        await app.chat.close(by, { type: 'close', cid: newId('api'), conversationId: conv.id });
        return apiConversation(await conversationOf(req.params.site, conv.id));
      },
    );

    app.post<ConvParams>(
      `${base}/conversations/:id/assign`,
      {
        schema: {
          summary:
            'Give a conversation to an agent of the site (claimed for them from the queue, or transferred)',
          tags: ['conversations'],
          body: ApiAssignRequestSchema,
          response: { 200: ApiConversationSchema },
        },
      },
      async (req): Promise<ApiConversation> => {
        const by = await actor(req);
        const conv = await conversationOf(req.params.site, req.params.id);
        const { agentId } = req.body as ApiAssignRequest;
        const to = await app.chat.agent(agentId, req.params.site);
        if (!to?.active || to.passwordHash === '')
          throw sbError(ErrorCode.NotFound, 'No such agent on this site');
        const cid = newId('api');
        if (conv.status === 'queued') {
          await app.chat.claim(to, { type: 'claim', cid, conversationId: conv.id });
        } else {
          await app.chat.transfer(by, { type: 'transfer', cid, conversationId: conv.id, toAgentId: to.id });
        }
        return apiConversation(await conversationOf(req.params.site, conv.id));
      },
    );

    app.get<{ Params: { site: string; id: string } }>(
      `${base}/visitors/:id`,
      {
        schema: {
          summary: 'A visitor: identity, contact, attributes',
          tags: ['visitors'],
          response: { 200: ApiVisitorSchema },
        },
      },
      async (req): Promise<ApiVisitor> => {
        await siteCaller(app, req, req.params.site, { agentsToo: true });
        const v = await app.storage.getVisitor(req.params.id);
        if (!v || v.siteId !== req.params.site) throw sbError(ErrorCode.NotFound, 'No such visitor');
        return apiVisitor(v);
      },
    );

    app.get<{ Params: { site: string; id: string } }>(
      `${base}/visitors/:id/context`,
      {
        schema: {
          summary:
            "A visitor's context: this visit's pages, referrer, browser, locale and time zone, and their conversations",
          tags: ['visitors'],
          response: { 200: ApiVisitorContextSchema },
        },
      },
      async (req): Promise<ApiVisitorContext> => {
        const site = req.params.site;
        await siteCaller(app, req, site, { agentsToo: true });
        const v = await app.chat.visitor(req.params.id);
        if (!v || v.siteId !== site) throw sbError(ErrorCode.NotFound, 'No such visitor');
        const { visit, conversations } = await app.chat.visitorContext(site, v.id);
        return {
          visitorId: v.id,
          pages: visit?.pages ?? [],
          referrer: visit?.referrer ?? null,
          userAgent: visit?.userAgent ?? null,
          tzOffset: visit?.tzOffset ?? null,
          locale: visit?.locale ?? null,
          updatedAt: visit?.updatedAt ?? null,
          conversations: conversations.map(apiConversation),
        };
      },
    );

    app.get<SiteParams>(
      `${base}/agents`,
      {
        schema: {
          summary: "The site's agents and their status",
          tags: ['agents'],
          response: { 200: Type.Array(ApiAgentSchema) },
        },
      },
      async (req): Promise<ApiAgent[]> => {
        await siteCaller(app, req, req.params.site, { agentsToo: true });
        return (await app.storage.listAgents(req.params.site))
          .filter((a) => a.passwordHash !== '')
          .map((a) => ({ ...app.chat.agentInfo(a), active: a.active }))
          .map(({ id, name, email, role, active, status }) => ({ id, name, email, role, active, status }));
      },
    );
  },
  { name: 'switchboard-api-conversations', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
