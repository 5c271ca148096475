/**
 * Route schemas compile on a route's first request (http/lazy-schemas.ts), not at start. What
 * Fastify used to check at start — that every route's schemas compile — is checked here, with
 * the same compilers and options; and the lazy wrappers validate and serialise as Fastify's.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { AnySchema } from 'ajv';
import type { RouteOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { lazyCompilersFactory } from '../src/http/lazy-schemas.js';
import { testApp } from './helpers.js';

let dispose: (() => Promise<void>) | null = null;
afterEach(async () => {
  await dispose?.();
  dispose = null;
});

const AJV_OPTIONS = { customOptions: { removeAdditional: false as const } };
const PARTS = ['body', 'querystring', 'params', 'headers'] as const;

describe('route schemas compiled on first use', () => {
  it('every route schema of the app compiles with Fastify’s compilers (what start used to check)', async () => {
    const routes: RouteOptions[] = [];
    const t = await testApp({}, { onRoute: (r) => routes.push(r) });
    dispose = t.dispose;
    const validate = AjvCompiler()({}, AJV_OPTIONS);
    const serialize = SerializerSelector()({}, {});
    let compiled = 0;
    for (const r of routes) {
      const schema = r.schema;
      if (!schema) continue;
      const method = String(r.method);
      for (const part of PARTS) {
        const partSchema = schema[part] as AnySchema | undefined;
        if (partSchema === undefined) continue;
        expect(() => validate({ schema: partSchema, method, url: r.url, httpPart: part })).not.toThrow();
        compiled++;
      }
      for (const [status, s] of Object.entries(schema.response ?? {})) {
        expect(() => serialize({ schema: s, method, url: r.url, httpStatus: status })).not.toThrow();
        compiled++;
      }
    }
    // The app has dozens of schemas: the loop above did see them.
    expect(compiled).toBeGreaterThan(30);
  });

  it('nothing compiles until first use; then the wrappers answer like the compiled functions', () => {
    const { buildValidator, buildSerializer } = lazyCompilersFactory();
    const route = { method: 'POST', url: '/x', httpPart: 'body' };
    // A schema Ajv refuses: building the validator does not compile it, calling it does.
    const broken = buildValidator({}, AJV_OPTIONS)({ ...route, schema: { type: 'no-such-type' } });
    expect(() => broken({})).toThrow();

    const schema = {
      type: 'object',
      properties: { n: { type: 'integer' } },
      required: ['n'],
      additionalProperties: false,
    };
    const v = buildValidator({}, AJV_OPTIONS)({ ...route, schema });
    expect(v({ n: 1 })).toBe(true);
    expect(v({ n: 1, extra: true })).toBe(false);
    expect(v.errors?.[0]).toMatchObject({ keyword: 'additionalProperties' });
    expect(v.schemaEnv).toBeTruthy();

    const s = buildSerializer({}, {})({ method: 'GET', url: '/x', httpStatus: '200', schema });
    expect(s({ n: 2, hidden: 'dropped' })).toBe('{"n":2}');
  });
});
