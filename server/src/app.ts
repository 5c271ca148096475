/**
 * `buildApp(opts)`: the whole gateway as a Fastify instance, started elsewhere (main.ts)
 * or by tests (inject, or listen on port 0). No global state: everything hangs off the
 * instance, so several apps can live in one process.
 */
import { readFileSync } from 'node:fs';
import rateLimit from '@fastify/rate-limit';
import { ErrorCode } from '@switchboard/protocol';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
  type RouteOptions,
} from 'fastify';
import { auditApiPlugin, auditPlugin } from './admin/audit.js';
import { adminPlugin } from './admin/plugin.js';
import { blocksApiPlugin } from './api/blocks.js';
import { cannedApiPlugin } from './api/canned.js';
import { conversationsApiPlugin } from './api/conversations.js';
import { openApiPlugin } from './api/openapi.js';
import { apiPlugin } from './api/plugin.js';
import { privacyApiPlugin } from './api/privacy.js';
import { proactiveApiPlugin } from './api/proactive.js';
import { reportsApiPlugin } from './api/reports.js';
import { type BlobStore, openBlobs } from './blobs/index.js';
import { openBus } from './bus/index.js';
import type { Bus } from './bus/types.js';
import { type Config, type ConfigOverrides, loadConfig, resolveConfig } from './config.js';
import { SbError } from './errors.js';
import { attachmentsPlugin } from './http/attachments.js';
import { authPlugin, PasswordHasher } from './http/auth.js';
import { lazyCompilersFactory } from './http/lazy-schemas.js';
import { metricsPlugin } from './http/metrics.js';
import { routesPlugin } from './http/routes.js';
import { transcriptsPlugin } from './http/transcripts.js';
import { randomSecret } from './ids.js';
import { type Limits, MemoryLimits } from './limits.js';
import { prettyStream, usePretty } from './log-format.js';
import { mailPlugin } from './mail/plugin.js';
import { loadJwtSecret } from './secrets.js';
import { type SeedResult, seedIfEmpty } from './seed.js';
import { defaultStaticPaths, type StaticPaths, staticPlugin } from './static.js';
import { openStorage } from './storage/index.js';
import { storagePlugin } from './storage/plugin.js';
import type { Storage } from './storage/types.js';
import { webhooksPlugin } from './webhooks/plugin.js';
import { realtimePlugin } from './ws/plugin.js';

/** Fastify's validation message, naming an unknown field ("body.bussinessHours: unknown field"). */
function validationMessage(err: FastifyError): string {
  const unknown = (err.validation ?? []).find((v) => v.keyword === 'additionalProperties');
  const field = unknown?.params?.additionalProperty;
  if (typeof field === 'string') {
    const at = `${err.validationContext ?? 'body'}${unknown?.instancePath.replaceAll('/', '.') ?? ''}`;
    return `${at}.${field}: unknown field`;
  }
  return err.message;
}

export interface BuildAppOptions {
  /** Overrides merged over `baseConfig` (tests: `{ dataDir: tmp, seed: true }`). */
  config?: ConfigOverrides;
  /** Defaults to `loadConfig({})` (built-in defaults, NOT the environment); main.ts passes `loadConfig()`. */
  baseConfig?: Config;
  /** Fastify logger options, `false` to disable; or a ready pino-compatible logger. */
  logger?: FastifyServerOptions['logger'];
  loggerInstance?: FastifyBaseLogger;
  /** Inject a store (default: opened from `config.databaseUrl`). It is closed with the app. */
  storage?: Storage;
  /** Inject a bus (default: from `config.redisUrl`). */
  bus?: Bus;
  /** Inject a blob store (default: PostgreSQL's table with a postgres DATABASE_URL, else files under DATA_DIR). Closed with the app. */
  blobs?: BlobStore;
  paths?: Partial<StaticPaths>;
  /** Inject the abuse counters (default: in memory, this process only). */
  limits?: Limits;
  /** Process metrics in /metrics (main.ts turns them on). */
  defaultMetrics?: boolean;
  /** Told of every route as it is registered (tests: the authorisation matrix lists them all). */
  onRoute?: (route: RouteOptions) => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** Set when this start seeded an empty database. */
    seeded: SeedResult | null;
    /** Abuse counters (sign-in backoff, frame buckets, socket caps). */
    limits: Limits;
  }
}

function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}

/** Request log lines never carry tokens: no query string (`?token=`), no headers. */
const serializers = {
  req(req: { method: string; url: string; ip?: string; socket?: { remotePort?: number } }) {
    return { method: req.method, url: stripQuery(req.url), remoteAddress: req.ip };
  },
};

export async function buildApp(opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config = resolveConfig(opts.config ?? {}, opts.baseConfig ?? loadConfig({}));
  const storage = opts.storage ?? (await openStorage(config));
  let bus: Bus;
  try {
    bus = opts.bus ?? (await openBus(config.redisUrl, { prefix: config.redisPrefix }));
  } catch (err) {
    await storage.close();
    throw err;
  }

  const loggerOpt: FastifyServerOptions['logger'] =
    opts.logger === undefined
      ? {
          level: config.logLevel,
          serializers,
          ...(usePretty(config.logFormat, process.stdout.isTTY === true)
            ? { stream: prettyStream(process.stdout, !process.env.NO_COLOR) }
            : {}),
        }
      : typeof opts.logger === 'object' && opts.logger !== null
        ? { serializers, ...opts.logger }
        : opts.logger;
  // TLS_CERT_FILE + TLS_KEY_FILE: HTTPS and wss on the same port (read at start; a restart
  // picks up a renewed certificate). The server type differs, the instance API does not.
  const https = config.tls
    ? { https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } }
    : {};
  const app = (Fastify as unknown as (o: FastifyServerOptions & typeof https) => FastifyInstance)({
    ...https,
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: loggerOpt }),
    bodyLimit: config.limits.maxPayloadBytes,
    // An unknown field is refused (400 naming it), never silently dropped (Fastify's default).
    ajv: { customOptions: { removeAdditional: false } },
    // Fastify's compilers, each route's schema compiled on its first request (idle RSS, issue 18).
    schemaController: { compilersFactory: lazyCompilersFactory() },
    // Off unless configured: otherwise anyone could pick their own address with X-Forwarded-For.
    // A hop count becomes a function: Fastify itself refuses a bare number (it cannot check the
    // peer); with a count the operator states that only their proxies can reach this port.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Socket close on shutdown is ours (4503), and idle keep-alive connections should not hold it up.
    forceCloseConnections: 'idle',
  });

  try {
    if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
    app.decorate('config', config);
    // Served over TLS: browsers keep to HTTPS for a year (HSTS).
    if (config.tls) {
      app.addHook('onSend', async (_req, reply) => {
        reply.header('strict-transport-security', 'max-age=31536000');
      });
    }
    // With several nodes (REDIS_URL) the abuse limits are shared in Redis; else in memory.
    const limits =
      opts.limits ??
      (config.redisUrl
        ? new (await import('./limits-redis.js')).RedisLimits({
            redis: config.redisUrl,
            prefix: `${config.redisPrefix}limits:`,
            nodeId: bus.node,
            log: app.log,
          })
        : new MemoryLimits());
    app.decorate('limits', limits);
    app.addHook('onClose', async () => limits.close());

    // JWT secret: from the environment, else generated once into a 0600 file under DATA_DIR.
    const jwtSecret = await loadJwtSecret(config, storage);
    const passwords = new PasswordHasher({
      N: config.scryptN,
      concurrency: config.scryptConcurrency,
      maxQueue: config.scryptMaxQueue,
    });
    app.decorate('passwords', passwords);
    app.decorate(
      'seeded',
      config.seed ? await seedIfEmpty(storage, app.log, passwords, { history: config.seedHistory }) : null,
    );
    // An empty database (SEED=0): /console offers first-run setup to whoever has this token.
    const setupToken = (await storage.isEmpty()) ? (config.setupToken ?? randomSecret(18)) : null;

    app.setErrorHandler((err: FastifyError | SbError, req, reply) => {
      if (err instanceof SbError) {
        if (err.httpStatus >= 500) req.log.error({ err }, err.message);
        return reply
          .code(err.httpStatus)
          .send({ code: err.code, message: err.message, statusCode: err.httpStatus });
      }
      if (err.validation) {
        return reply
          .code(400)
          .send({ code: ErrorCode.Validation, message: validationMessage(err), statusCode: 400 });
      }
      const status = err.statusCode ?? 500;
      if (status === 413) {
        return reply
          .code(413)
          .send({ code: ErrorCode.TooLarge, message: 'Request body is too large', statusCode: 413 });
      }
      if (status === 429) {
        return reply.code(429).send({ code: ErrorCode.RateLimited, message: err.message, statusCode: 429 });
      }
      if (status >= 400 && status < 500) {
        return reply
          .code(status)
          .send({ code: ErrorCode.Validation, message: err.message, statusCode: status });
      }
      req.log.error({ err }, 'request failed');
      if (app.hasDecorator('metrics')) app.metrics.errors.inc({ kind: 'http' });
      return reply.code(500).send({ code: ErrorCode.Internal, message: 'Internal error', statusCode: 500 });
    });
    app.setNotFoundHandler((req, reply) => {
      reply.code(404).send({
        code: ErrorCode.NotFound,
        message: `No route ${req.method} ${stripQuery(req.url).slice(0, 200)}`,
        statusCode: 404,
      });
    });

    // Per-route limits: in Redis with several nodes (shared by all of them), else in memory.
    const routeLimits = config.redisUrl
      ? await (await import('./limits-redis.js')).routeLimitClient(config.redisUrl)
      : null;
    if (routeLimits) {
      app.addHook('onClose', async () => {
        await routeLimits.quit().catch(() => routeLimits.disconnect());
      });
    }
    await app.register(rateLimit, {
      global: false,
      ...(routeLimits
        ? { redis: routeLimits, nameSpace: `${config.redisPrefix}rl:`, skipOnError: true }
        : {}),
      errorResponseBuilder: (_req, ctx) =>
        new SbError(ErrorCode.RateLimited, `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
    });
    await app.register(metricsPlugin, {
      defaultMetrics: opts.defaultMetrics ?? false,
      token: config.metricsToken,
    });
    await app.register(storagePlugin, { storage });
    await app.register(authPlugin, { jwtSecret });
    await app.register(auditPlugin);
    await app.register(mailPlugin, { config });
    const blobs = opts.blobs ?? (await openBlobs(config));
    app.addHook('onClose', async () => blobs.close());
    await app.register(realtimePlugin, { config, bus, files: { blobs, secret: jwtSecret } });
    await app.register(adminPlugin, { config, setupToken });
    // Collects the /api/v1 routes registered after it (the OpenAPI document).
    await app.register(openApiPlugin);
    await app.register(webhooksPlugin, { config });
    await app.register(apiPlugin);
    await app.register(conversationsApiPlugin);
    await app.register(reportsApiPlugin);
    await app.register(cannedApiPlugin);
    await app.register(proactiveApiPlugin);
    await app.register(blocksApiPlugin);
    await app.register(privacyApiPlugin);
    await app.register(auditApiPlugin);
    await app.register(routesPlugin, { config });
    await app.register(attachmentsPlugin, { config });
    await app.register(transcriptsPlugin);
    await app.register(staticPlugin, { paths: { ...defaultStaticPaths(), ...opts.paths } });
    await app.ready();
  } catch (err) {
    await app.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    throw err;
  }
  return app;
}
