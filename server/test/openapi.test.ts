/**
 * The OpenAPI document of /api/v1: every route is in it with a summary and its answers, and
 * every documented operation, called for real, answers with a documented status and a body
 * that validates against the documented schema. A new route without a row here fails.
 */
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../src/api/openapi.js';
import { login, testApp, visitorSession } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let doc: OpenApiDocument;
let admin: string;

beforeAll(async () => {
  ({ app, dispose } = await testApp());
  admin = await login(app, 'admin@demo.test');
  doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as OpenApiDocument;
});
afterAll(() => dispose());

interface Call {
  body?: Record<string, unknown>;
  query?: string;
  status: number;
}

/** Values made while walking (ids of what earlier calls created). */
const made: Record<string, string> = {};

/** One real call per operation, in this order (later ones use what earlier ones made). */
const CALLS: Array<[string, () => Call]> = [
  ['POST /api/v1/sites/{site}/api-keys', () => ({ body: { name: 'ERP' }, status: 200 })],
  ['GET /api/v1/sites/{site}/api-keys', () => ({ status: 200 })],
  ['POST /api/v1/sites/{site}/api-keys/{id}/rotate', () => ({ status: 200 })],
  ['DELETE /api/v1/sites/{site}/api-keys/{id}', () => ({ status: 204 })],
  [
    'POST /api/v1/sites/{site}/webhooks',
    () => ({ body: { url: 'https://hooks.example/x', events: ['message.created'] }, status: 200 }),
  ],
  ['GET /api/v1/sites/{site}/webhooks', () => ({ status: 200 })],
  [
    'PATCH /api/v1/sites/{site}/webhooks/{id}',
    () => ({ body: { events: ['message.created', 'conversation.closed'] }, status: 200 }),
  ],
  [
    'POST /api/v1/sites/{site}/notify',
    () => ({ body: { visitorId: made.visitorId, text: 'Shipped', id: 'doc-1' }, status: 200 }),
  ],
  ['GET /api/v1/sites/{site}/conversations', () => ({ query: 'limit=5&status=closed', status: 200 })],
  ['GET /api/v1/sites/{site}/conversations/{id}', () => ({ status: 200 })],
  ['GET /api/v1/sites/{site}/search', () => ({ query: 'q=ship', status: 200 })],
  [
    'POST /api/v1/sites/{site}/canned',
    () => ({ body: { shortcut: 'doc', text: 'From the docs' }, status: 200 }),
  ],
  ['GET /api/v1/sites/{site}/canned', () => ({ status: 200 })],
  ['PUT /api/v1/sites/{site}/canned/{id}', () => ({ body: { text: 'Edited' }, status: 200 })],
  ['DELETE /api/v1/sites/{site}/canned/{id}', () => ({ status: 204 })],
  [
    'POST /api/v1/sites/{site}/proactive-messages',
    () => ({
      body: {
        name: 'Pricing',
        text: 'Questions about plans?',
        trigger: 'page',
        urlPattern: '/pricing*',
        seconds: 20,
      },
      status: 200,
    }),
  ],
  ['GET /api/v1/sites/{site}/proactive-messages', () => ({ status: 200 })],
  ['PATCH /api/v1/sites/{site}/proactive-messages/{id}', () => ({ body: { enabled: false }, status: 200 })],
  ['DELETE /api/v1/sites/{site}/proactive-messages/{id}', () => ({ status: 204 })],
  ['GET /api/v1/sites/{site}/reports', () => ({ query: `from=${Date.now() - 86_400_000}`, status: 200 })],
  [
    'GET /api/v1/sites/{site}/conversations/{id}/messages',
    () => ({ query: 'after=0&limit=10', status: 200 }),
  ],
  ['GET /api/v1/sites/{site}/conversations/{id}/transcript', () => ({ query: 'format=json', status: 200 })],
  [
    'POST /api/v1/sites/{site}/conversations/{id}/assign',
    () => ({ body: { agentId: made.agentId }, status: 200 }),
  ],
  [
    'POST /api/v1/sites/{site}/conversations/{id}/messages',
    () => ({ body: { text: 'From the API', cid: 'doc-send-1' }, status: 200 }),
  ],
  ['POST /api/v1/sites/{site}/conversations/{id}/close', () => ({ status: 200 })],
  ['GET /api/v1/sites/{site}/visitors/{id}', () => ({ status: 200 })],
  ['GET /api/v1/sites/{site}/visitors/{id}/context', () => ({ status: 200 })],
  ['GET /api/v1/sites/{site}/agents', () => ({ status: 200 })],
  ['GET /api/v1/sites/{site}/webhooks/{id}/deliveries', () => ({ query: 'limit=10', status: 200 })],
  ['POST /api/v1/sites/{site}/webhooks/{id}/deliveries/{delivery}/redeliver', () => ({ status: 200 })],
  ['DELETE /api/v1/sites/{site}/webhooks/{id}', () => ({ status: 204 })],
  ['POST /api/v1/sites/{site}/visitors/{id}/block', () => ({ body: { reason: 'spam' }, status: 200 })],
  ['GET /api/v1/sites/{site}/blocks', () => ({ status: 200 })],
  ['DELETE /api/v1/sites/{site}/visitors/{id}/block', () => ({ status: 204 })],
  ['GET /api/v1/sites/{site}/visitors/{id}/export', () => ({ status: 200 })],
  ['DELETE /api/v1/sites/{site}/visitors/{id}', () => ({ status: 200 })],
  ['GET /api/v1/sites/{site}/audit', () => ({ status: 200 })],
];

function operations(): string[] {
  const out: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops)) out.push(`${m.toUpperCase()} ${path}`);
  return out.sort();
}

describe('OpenAPI 3.1 at /api/v1/openapi.json', () => {
  it('documents every /api/v1 route, each with a summary, tags and a success answer', () => {
    expect(doc.openapi).toBe('3.1.0');
    const routes = app
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .filter((l) => l.includes('/api/v1/') && !l.includes('openapi.json') && !l.includes('/api/v1/docs'));
    // Every route registered under /api/v1 is an operation of the document.
    for (const line of routes) {
      const m = /(\/api\/v1\/\S+) \(([A-Z, ]+)\)/.exec(line);
      if (!m) continue;
      const path = (m[1] as string).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      for (const method of (m[2] as string).split(', ').filter((x) => x !== 'HEAD' && x !== 'OPTIONS')) {
        expect(operations(), `${method} ${path}`).toContain(`${method} ${path}`);
      }
    }
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops) as [
        string,
        { summary: string; tags: string[]; responses: Record<string, unknown> },
      ][]) {
        expect(op.summary, `${method} ${path}`).not.toBe('');
        expect(op.tags.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(
          Object.keys(op.responses).some((s) => s.startsWith('2')),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
    // Every documented operation has a row below (a new route must get one).
    expect(CALLS.map(([k]) => k).sort()).toEqual(operations());
  });

  it('every operation, called for real, answers as documented', async () => {
    made.visitorId = (await visitorSession(app)).visitorId;
    made.visitors = made.visitorId;
    made.agentId = (await app.storage.getAccountByEmail('ana@demo.test'))?.id ?? '';
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const [key, make] of CALLS) {
      const [method, path] = key.split(' ') as [string, string];
      const call = make();
      if (key.endsWith('/assign')) {
        // A notification's conversation is closed: put it in the queue to be assigned.
        await app.storage.transitionConversation(made.conversations ?? '', {
          expect: { status: 'closed', agentId: null },
          next: { status: 'queued', agentId: null, department: null },
          line: null,
          note: null,
          at: Date.now(),
        });
      }
      // `{id}` is the id of what the segment before it names (made by an earlier call).
      const url = path
        .replace('{site}', 'demo')
        .replace('{delivery}', made.delivery ?? 'none')
        .replace(/\/([a-z-]+)\/\{id\}/, (_m, what: string) => `/${what}/${made[what] ?? 'none'}`);
      const res = await app.inject({
        method: method as 'GET',
        url: call.query ? `${url}?${call.query}` : url,
        headers: { authorization: `Bearer ${admin}` },
        ...(call.body ? { payload: call.body } : {}),
      });
      expect(res.statusCode, `${key}: ${res.body}`).toBe(call.status);
      const op = (
        doc.paths[path] as Record<
          string,
          { responses: Record<string, { content?: Record<string, { schema: object }> }> }
        >
      )[method.toLowerCase()];
      const documented = op?.responses[String(res.statusCode)];
      expect(documented, `${key} answered ${res.statusCode}, which is not documented`).toBeDefined();
      const schema = documented?.content?.['application/json']?.schema;
      if (schema) {
        const body = res.json() as Record<string, unknown> | Record<string, unknown>[];
        const validate = ajv.compile(schema);
        expect(validate(body), `${key}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        if (key === 'POST /api/v1/sites/{site}/api-keys') made['api-keys'] = (body as { id: string }).id;
        if (key === 'POST /api/v1/sites/{site}/webhooks') made.webhooks = (body as { id: string }).id;
        if (key === 'POST /api/v1/sites/{site}/canned') made.canned = (body as { id: string }).id;
        if (key === 'POST /api/v1/sites/{site}/proactive-messages')
          made['proactive-messages'] = (body as { id: string }).id;
        if (key === 'POST /api/v1/sites/{site}/notify')
          made.conversations = (body as { conversationId: string }).conversationId;
        if (key === 'GET /api/v1/sites/{site}/webhooks/{id}/deliveries') {
          const first = (body as { id: string }[])[0];
          if (!first) throw new Error('the notify call made no delivery');
          made.delivery = first.id;
        }
      } else {
        expect(res.body).toBe('');
      }
      // Errors answer with the documented error body.
      const refused = await app.inject({
        method: method as 'GET',
        url,
        ...(call.body ? { payload: call.body } : {}),
      });
      expect(refused.statusCode, key).toBe(401);
      const errorSchema = op?.responses['401']?.content?.['application/json']?.schema;
      expect(ajv.validate(errorSchema ?? {}, refused.json()), key).toBe(true);
    }
  });

  it('has a readable page listing the operations', async () => {
    const page = await app.inject({ method: 'GET', url: '/api/v1/docs' });
    expect(page.headers['content-type']).toContain('text/html');
    for (const op of operations()) expect(page.body).toContain(`<code>${op.split(' ')[1]}</code>`);
  });
});
