/**
 * Static files: `/widget.js` (the one file a shop page loads) and its strings for the
 * locales other than English (`/api/widget/strings/:locale`), the console
 * SPA under `/console/`, and the demo shop under `/demo`. Paths resolve from this file's
 * location, so they work from src (tsx) and dist. A missing build answers 503 "run npm run
 * build" instead of failing at start.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { ErrorCode, WIDGET_TABLES } from '@switchboard/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface StaticPaths {
  widgetDist: string;
  consoleDist: string;
  demoDir: string;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function defaultStaticPaths(): StaticPaths {
  return {
    widgetDist: join(REPO_ROOT, 'widget', 'dist'),
    consoleDist: join(REPO_ROOT, 'agent-console', 'dist'),
    demoDir: join(REPO_ROOT, 'server', 'public', 'demo'),
  };
}

/**
 * The console holds customers' personal data: its own code only, no framing (clickjacking),
 * no sniffing, no referrer to other sites. `connect-src 'self'` covers its ws/wss socket.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function consoleHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin');
}

export const STRICT_DEMO_CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; style-src 'self'";

type Coding = 'br' | 'gzip' | 'identity';

/**
 * The coding to send for an Accept-Encoding header: br over gzip, each only if listed (or
 * covered by `*`) with q > 0; identity otherwise (also when no header was sent).
 */
export function negotiateEncoding(header: string | undefined): Coding {
  if (!header) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = (rawName ?? '').trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (m?.[1] !== undefined) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const accepts = (coding: string) => (q.get(coding) ?? q.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip') || (q.get('x-gzip') ?? 0) > 0) return 'gzip';
  return 'identity';
}

const SUFFIX: Record<Coding, string> = { br: '.br', gzip: '.gz', identity: '' };

/** True when an If-None-Match header matches `etag` (weak comparison, `*` matches any). */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

/** A file inside `root`, or null (missing, a directory, or escaping the root). */
function fileUnder(root: string, rel: string): string | null {
  const clean = normalize(`/${rel}`).slice(1);
  const full = resolve(root, clean);
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    return statSync(full).isFile() ? clean : null;
  } catch {
    return null;
  }
}

function notBuilt(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(503).send({
    code: ErrorCode.Unavailable,
    message: `${what} is not built: run npm run build`,
    statusCode: 503,
  });
}

export const staticPlugin = fp<{ paths: StaticPaths }>(
  async (app: FastifyInstance, opts) => {
    const { widgetDist, consoleDist, demoDir } = opts.paths;
    await app.register(fastifyStatic, { root: demoDir, serve: false });

    app.get('/', async (_req, reply) => reply.redirect('/demo'));

    // widget.js keeps its URL across releases: short max-age, then a
    // revalidation answered 304 by ETag. The precompressed `.br`/`.gz` written at build time
    // are sent by Accept-Encoding; a missing one falls back to the plain file.
    // Every shop page view asks for widget.js: read each variant once, again only after a rebuild
    // (a stat per request tells).
    const scripts = new Map<string, { mtimeMs: number; size: number; etag: string; body: Buffer }>();
    const readScript = (path: string, coding: Coding) => {
      const stat = statSync(path);
      const hit = scripts.get(path);
      if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit;
      const etag = `"${stat.size.toString(36)}-${Math.floor(stat.mtimeMs).toString(36)}-${coding}"`;
      const entry = { mtimeMs: stat.mtimeMs, size: stat.size, etag, body: readFileSync(path) };
      scripts.set(path, entry);
      return entry;
    };
    const sendScript = (req: FastifyRequest, reply: FastifyReply, file: string) => {
      const wanted = negotiateEncoding(req.headers['accept-encoding']);
      let coding: Coding = 'identity';
      let path = join(widgetDist, file);
      if (wanted !== 'identity' && existsSync(path + SUFFIX[wanted])) {
        coding = wanted;
        path += SUFFIX[wanted];
      }
      const { etag, body } = readScript(path, coding);
      reply
        .header('cache-control', 'public, max-age=300, must-revalidate')
        .header('vary', 'Accept-Encoding')
        .header('etag', etag)
        .header('x-content-type-options', 'nosniff')
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin')
        .type('application/javascript; charset=utf-8');
      if (etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
      if (coding !== 'identity') reply.header('content-encoding', coding);
      return reply.send(body);
    };
    app.get('/widget.js', async (req, reply) => {
      if (!existsSync(join(widgetDist, 'widget.js'))) return notBuilt(reply, 'widget.js');
      return sendScript(req, reply, 'widget.js');
    });
    // The widget's strings in a locale other than English (built in): fetched once per
    // browser, kept in the page's storage. Public, the same for every site.
    app.get<{ Params: { locale: string } }>('/api/widget/strings/:locale', async (req, reply) => {
      const locale = req.params.locale;
      const strings = Object.hasOwn(WIDGET_TABLES, locale) ? WIDGET_TABLES[locale] : undefined;
      reply.header('access-control-allow-origin', '*').header('x-content-type-options', 'nosniff');
      if (strings === undefined) {
        return reply.code(404).send({
          code: ErrorCode.NotFound,
          message: `No strings for locale "${locale}" (supported: ${Object.keys(WIDGET_TABLES).join(', ')})`,
          statusCode: 404,
        });
      }
      reply.header('cache-control', 'public, max-age=3600').header('vary', 'Accept-Encoding');
      return reply.send({ locale, strings });
    });

    const sendConsole = (reply: FastifyReply, rel: string) => {
      if (!existsSync(join(consoleDist, 'index.html'))) return notBuilt(reply, 'The agent console');
      consoleHeaders(reply);
      const file = rel === '' ? null : fileUnder(consoleDist, rel);
      if (file) {
        const immutable = file.startsWith('assets/');
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        return reply.sendFile(file, consoleDist, { cacheControl: false });
      }
      // A missing asset is a 404; any other path is a client-side route of the SPA.
      if (extname(rel) !== '') return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', consoleDist, { cacheControl: false });
    };
    // The query goes along: the setup and invitation links are `/console?setup=…`, `?invite=…`.
    app.get('/console', async (req, reply) => {
      const q = req.url.indexOf('?');
      return reply.redirect(q === -1 ? '/console/' : `/console/${req.url.slice(q)}`);
    });
    app.get<{ Params: { '*': string } }>('/console/*', async (req, reply) =>
      sendConsole(reply, req.params['*']),
    );

    app.get('/demo', async (_req, reply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html', demoDir, { cacheControl: false }),
    );
    app.get('/demo/strict', async (_req, reply) =>
      reply
        .header('content-security-policy', STRICT_DEMO_CSP)
        .header('cache-control', 'no-cache')
        .sendFile('strict.html', demoDir, { cacheControl: false }),
    );
    app.get<{ Params: { '*': string } }>('/demo/*', async (req, reply) => {
      const file = fileUnder(demoDir, req.params['*']);
      if (!file) return reply.callNotFound();
      return reply.sendFile(file, demoDir);
    });
  },
  { name: 'switchboard-static' },
);
