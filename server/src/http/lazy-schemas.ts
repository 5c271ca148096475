/**
 * Fastify's own schema compilers (Ajv for request validation, fast-json-stringify for response
 * serialisation), each route's schema compiled on the route's first request instead of at start.
 *
 * Compiling the ≈ 60 route schemas at start allocated ≈ 40 MB (code generation), which grew the
 * V8 heap that a fresh server then keeps for seconds: issue 18, docs/performance.md "Idle RSS
 * at start". The compilers and their options are Fastify's defaults; only the moment changes.
 * A route's first request pays its compile (a millisecond or so), once; the first compile also
 * loads the compilers.
 *
 * One difference from Fastify's built-in path: with a custom compiler factory Fastify does not
 * lowercase the property names of a `headers` schema. Switchboard has no headers schema; one
 * added later must name its headers in lowercase.
 */
import { createRequire } from 'node:module';
import type AjvCompiler from '@fastify/ajv-compiler';
import type SerializerSelector from '@fastify/fast-json-stringify-compiler';

// The compilers themselves (Ajv, fast-json-stringify: ≈ 100 files) load with the first compile.
const require = createRequire(import.meta.url);

type ValidatorFactory = AjvCompiler.BuildCompilerFromPool;
type ValidatorCompiler = ReturnType<ValidatorFactory>;
type Validate = ReturnType<ValidatorCompiler>;
type SerializerFactory = SerializerSelector.SerializerFactory;
type Serialize = ReturnType<ReturnType<SerializerFactory>>;
/** How Fastify calls a validator (validation.js: data, then `{ parentData, parentDataProperty }`). */
type Call = (this: unknown, data: unknown, dataCxt?: unknown) => unknown;

/** A validator that compiles on its first use; Fastify also reads `errors` and `schemaEnv`. */
function lazyValidator(compile: () => Validate): Validate {
  let compiled: Validate | null = null;
  const real = (): Validate => {
    compiled ??= compile();
    return compiled;
  };
  const lazy = function (this: unknown, data: unknown, dataCxt?: unknown): unknown {
    return (real() as unknown as Call).call(this, data, dataCxt);
  };
  Object.defineProperties(lazy, {
    errors: { get: () => real().errors },
    schemaEnv: { get: () => real().schemaEnv },
    schema: { get: () => real().schema },
  });
  return lazy as unknown as Validate;
}

/** `schemaController.compilersFactory` for Fastify's options. */
export function lazyCompilersFactory(): {
  buildValidator: ValidatorFactory;
  buildSerializer: SerializerFactory;
} {
  let validators: ValidatorFactory | null = null;
  let serializers: SerializerFactory | null = null;
  return {
    buildValidator: (externalSchemas, options) => {
      let compiler: ValidatorCompiler | null = null;
      return (route) =>
        lazyValidator(() => {
          validators ??= (require('@fastify/ajv-compiler') as typeof AjvCompiler)();
          compiler ??= validators(externalSchemas, options);
          return compiler(route);
        });
    },
    buildSerializer: (externalSchemas, options) => {
      let compiler: ReturnType<SerializerFactory> | null = null;
      return (route) => {
        let serialize: Serialize | null = null;
        return (doc: unknown): string => {
          if (serialize === null) {
            serializers ??= (require('@fastify/fast-json-stringify-compiler') as typeof SerializerSelector)();
            compiler ??= serializers(externalSchemas, options);
            serialize = compiler(route);
          }
          return serialize(doc);
        };
      };
    },
  };
}
