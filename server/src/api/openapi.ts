/**
 * The OpenAPI 3.1 document of `/api/v1`, made from the very schemas the routes validate and
 * serialise with (each route's `schema`: body, querystring, response, summary, tags), collected
 * as routes are added. Served at `/api/v1/openapi.json`, and as a readable page at
 * `/api/v1/docs` (plain HTML rendered here: no script, works under the console's CSP).
 */
import type { TSchema } from '@sinclair/typebox';
import { HttpError } from '@switchboard/protocol/schemas';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  /** What the OpenAPI document says of a route (Fastify itself ignores these keys). */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
  }
}

export const API_PREFIX = '/api/v1';

interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  body?: TSchema;
  querystring?: TSchema;
  response?: Record<string, TSchema>;
}

interface Operation {
  method: string;
  path: string;
  schema: RouteSchema;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, unknown>>;
}

/** `/api/v1/sites/:site/webhooks/:id` → `/api/v1/sites/{site}/webhooks/{id}` and its parameter names. */
function openApiPath(url: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

const ERROR_RESPONSE = {
  description: 'An error: `code` (SB_ERR_…), a sentence, the HTTP status',
  content: { 'application/json': { schema: HttpError } },
};

export function buildDocument(operations: readonly Operation[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    const { path, params } = openApiPath(op.path);
    const s = op.schema;
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(s.response ?? {})) {
      responses[status] =
        status === '204'
          ? { description: 'Done (no body)' }
          : { description: 'Success', content: { 'application/json': { schema } } };
    }
    for (const status of ['400', '401', '403', '404']) responses[status] = ERROR_RESPONSE;
    const parameters: unknown[] = params.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = s.querystring as { properties?: Record<string, TSchema>; required?: string[] } | undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema });
    }
    const operation: Record<string, unknown> = {
      operationId: `${op.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: s.summary ?? '',
      ...(s.description ? { description: s.description } : {}),
      tags: s.tags ?? [],
      parameters,
      responses,
    };
    if (s.body)
      operation.requestBody = { required: true, content: { 'application/json': { schema: s.body } } };
    paths[path] = { ...paths[path], [op.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard API',
      version: '1',
      description:
        'Conversations, webhooks and notifications for a shop’s systems. Authenticate with an API key of the site (`Authorization: Bearer sb_…`) or an admin’s console token. See docs/integration.md.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (sb_…) or an agent token' },
      },
      schemas: {},
    },
    security: [{ bearer: [] }],
    paths,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A readable page of the document: every operation, its summary, body fields and answers. */
export function renderDocs(doc: OpenApiDocument): string {
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(ops)) {
      const op = raw as {
        summary: string;
        requestBody?: { content: Record<string, { schema: TSchema }> };
        responses: Record<string, unknown>;
      };
      const body = op.requestBody?.content['application/json']?.schema as
        | { properties?: Record<string, unknown>; required?: string[] }
        | undefined;
      const fields = Object.keys(body?.properties ?? {})
        .map((f) => `<code>${escapeHtml(f)}</code>${body?.required?.includes(f) ? '' : '?'}`)
        .join(', ');
      rows.push(
        `<tr><td><b>${method.toUpperCase()}</b></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary)}${fields ? `<br><small>body: ${fields}</small>` : ''}</td><td>${Object.keys(op.responses).join(' ')}</td></tr>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Switchboard API v1</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#111827}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e5e7eb;padding:.5rem;text-align:left;vertical-align:top}code{font-size:.9em}small{color:#4b5563}</style></head>
<body><main><h1>Switchboard API v1</h1><p>${escapeHtml(doc.info.description)}</p><p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1).</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Answers</th></tr></thead><tbody>${rows.join('')}</tbody></table></main></body></html>`;
}

export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    const operations: Operation[] = [];
    app.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith(API_PREFIX) || route.url.startsWith(`${API_PREFIX}/openapi`)) return;
      if (route.url === `${API_PREFIX}/docs`) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        operations.push({ method, path: route.url, schema: (route.schema ?? {}) as RouteSchema });
      }
    });
    let doc: OpenApiDocument | null = null;
    const document = () => {
      doc ??= buildDocument(operations);
      return doc;
    };
    app.get(`${API_PREFIX}/openapi.json`, async () => document());
    app.get(`${API_PREFIX}/docs`, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(renderDocs(document())),
    );
  },
  { name: 'switchboard-openapi' },
);
