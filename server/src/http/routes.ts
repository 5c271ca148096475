/** REST API: visitor sessions, agent sign-in, site config, the notify push, health. */
import type { Static } from '@sinclair/typebox';
import {
  type AgentInfo,
  ErrorCode,
  type LoginResponse,
  type NotifyResponse,
  type SiteConfig,
  type VisitorSessionResponse,
} from '@switchboard/protocol';
import {
  LoginRequest,
  NotifyRequest,
  SiteSettingsRequest,
  VisitorSessionRequest,
} from '@switchboard/protocol/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { activeSecrets } from '../admin/site-secret.js';
import type { AgentRecord, SiteRecord } from '../chat/index.js';
import type { Config } from '../config.js';
import { sbError } from '../errors.js';
import { QueueFullError } from '../semaphore.js';
import { bearerToken, secretsEqual, verifyIdentityHash } from './auth.js';
import { originAllowed } from './origin.js';

/** `GET`/`PATCH /api/me`: the agent, and their mail settings. */
export function myProfile(app: FastifyInstance, agent: AgentRecord): AgentInfo {
  return {
    ...app.chat.agentInfo(agent),
    mail: { enabled: app.mailer.enabled, leftMessages: agent.mailLeftMessages },
  };
}

export interface RoutesPluginOptions {
  config: Config;
}

type SessionBody = Static<typeof VisitorSessionRequest>;
type LoginBody = Static<typeof LoginRequest>;
type NotifyBody = Static<typeof NotifyRequest>;
type SettingsBody = Static<typeof SiteSettingsRequest>;

function rateLimit(perMinute: number): { rateLimit?: { max: number; timeWindow: string } } {
  return perMinute > 0 ? { rateLimit: { max: perMinute, timeWindow: '1 minute' } } : {};
}

/** CORS for the two endpoints a widget calls from a shop's origin (the rest is same-origin). */
function corsHeaders(req: FastifyRequest, reply: FastifyReply): void {
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'Origin');
  }
}

function preflight(req: FastifyRequest, reply: FastifyReply): void {
  corsHeaders(req, reply);
  reply
    .header('access-control-allow-methods', 'GET, POST')
    .header('access-control-allow-headers', 'content-type')
    .header('access-control-max-age', '600')
    .code(204)
    .send();
}

export const routesPlugin = fp<RoutesPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const limits = opts.config.limits;
    const loginBackoff = {
      freeFailures: limits.loginAccountFreeFailures,
      baseMs: limits.loginBackoffMs,
      maxMs: limits.loginBackoffMaxMs,
    };
    // A hash to compare against when the email is unknown, so both paths cost one scrypt at the
    // configured cost, through the same bound. Made on first use; a refused attempt is retried.
    const passwords = app.passwords;
    let dummyHash: Promise<string> | null = null;
    const unknownAgentHash = () => {
      dummyHash ??= passwords.hash('not-a-real-password').catch((err: unknown) => {
        dummyHash = null;
        throw err;
      });
      return dummyHash;
    };
    /** A full hash queue is a clear 429, not an unbounded wait. */
    function busy(reply: FastifyReply, err: unknown): never {
      if (err instanceof QueueFullError) {
        reply.header('retry-after', '1');
        throw sbError(ErrorCode.RateLimited, 'Too many sign-ins in progress; retry in a moment');
      }
      throw err;
    }

    async function siteOr404(id: string): Promise<SiteRecord> {
      const site = await app.chat.site(id);
      if (!site) throw sbError(ErrorCode.UnknownSite, `No site "${id.slice(0, 64)}"`);
      return site;
    }

    // ---------------------------------------------------------- visitor session

    app.options('/api/visitor/session', async (req, reply) => preflight(req, reply));
    app.post(
      '/api/visitor/session',
      { schema: { body: VisitorSessionRequest }, config: rateLimit(limits.sessionPerMinute) },
      async (req, reply): Promise<VisitorSessionResponse> => {
        corsHeaders(req, reply);
        const body = req.body as SessionBody;
        const site = await siteOr404(body.site);
        if (!originAllowed(req.headers.origin, site.allowedOrigins)) {
          throw sbError(ErrorCode.OriginNotAllowed, `Origin not allowed for site "${site.id}"`);
        }
        const prior = app.auth.verify(body.token);
        const user = body.user;
        const hash = user?.hash;
        const verified =
          user !== undefined &&
          hash !== undefined &&
          activeSecrets(site).some((k) => verifyIdentityHash(user.id, hash, k));
        if (user && !verified) {
          req.log.warn(
            { site: site.id, hasHash: user.hash !== undefined },
            'identity hash missing or wrong: the visitor is treated as anonymous',
          );
        }
        const visitor = await app.chat.startVisitorSession(site, {
          priorVisitorId: prior?.kind === 'visitor' && prior.site === site.id ? prior.vid : null,
          user,
          verified,
        });
        return {
          token: app.auth.signVisitor({ site: site.id, vid: visitor.id }),
          visitorId: visitor.id,
          verified: visitor.verified,
          site: await app.chat.siteConfig(site),
        };
      },
    );

    app.options('/api/sites/:site/config', async (req, reply) => preflight(req, reply));
    app.get<{ Params: { site: string } }>('/api/sites/:site/config', async (req, reply) => {
      reply.header('access-control-allow-origin', '*');
      return app.chat.siteConfig(await siteOr404(req.params.site));
    });

    // ---------------------------------------------------------- agents

    app.post(
      '/api/auth/login',
      { schema: { body: LoginRequest }, config: rateLimit(limits.loginPerMinute) },
      async (req, reply): Promise<LoginResponse> => {
        const body = req.body as LoginBody;
        // Per account as well as per address: rotating addresses does not buy more guesses at
        // one password, and a locked-out attempt costs no hash. The attempt counts as failed
        // from here on (until the password is right), so concurrent guesses cannot all pass.
        const accountKey = `login:${body.email.trim().toLowerCase()}`;
        const wait = await app.limits.attempt(accountKey, loginBackoff);
        if (wait > 0) {
          const s = Math.ceil(wait / 1000);
          reply.header('retry-after', String(s));
          throw sbError(ErrorCode.RateLimited, `Too many failed sign-ins for this account; retry in ${s} s`);
        }
        let account: Awaited<ReturnType<typeof app.storage.getAccountByEmail>>;
        let ok: boolean;
        try {
          // An invited account (no password yet) signs in like an unknown one: it cannot.
          const found = await app.storage.getAccountByEmail(body.email);
          account = found && found.passwordHash !== '' ? found : null;
          ok = await passwords.verify(body.password, account?.passwordHash ?? (await unknownAgentHash()));
        } catch (err) {
          // Not checked (hashes queued full, or an error): this attempt does not count.
          await app.limits.forgive(accountKey, loginBackoff);
          busy(reply, err);
        }
        if (!account || !ok) throw sbError(ErrorCode.BadCredentials);
        await app.limits.succeed(accountKey);
        if (passwords.needsRehash(account.passwordHash)) {
          // Transparent upgrade to the current cost; a failure (queue full, store error) leaves
          // the old hash in place and does not fail the sign-in.
          try {
            const upgraded = await passwords.hash(body.password);
            await app.chat.updateAgentPasswordHash(account.id, account.passwordHash, upgraded);
          } catch (err) {
            req.log.warn({ err, agent: account.id }, 'password rehash failed; the old hash stays');
          }
        }
        // The site asked for, else the first one the account is an active member of.
        const sites = await app.admin.sitesOf(account.id);
        const site =
          sites.find((s) => s.id === body.site) ?? (body.site === undefined ? sites[0] : undefined);
        if (!site) {
          throw sbError(
            ErrorCode.Forbidden,
            body.site === undefined
              ? 'This account is deactivated: ask an admin of your site'
              : `You are not an active member of site "${body.site.slice(0, 64)}"`,
          );
        }
        const agent = await app.chat.agent(account.id, site.id);
        if (!agent) throw sbError(ErrorCode.BadCredentials);
        const sid = await app.sessions.issue(req, reply, agent);
        return { token: app.auth.signAgent(agent, sid), agent: app.chat.agentInfo(agent), sites };
      },
    );

    // The console's refresh cookie for a new access token (rotated on every use), and sign-out.
    app.post(
      '/api/auth/refresh',
      { config: rateLimit(limits.loginPerMinute * 4) },
      async (req, reply): Promise<LoginResponse> => {
        const { agent, sessionId } = await app.sessions.refresh(req, reply);
        return {
          token: app.auth.signAgent(agent, sessionId),
          agent: app.chat.agentInfo(agent),
          sites: await app.admin.sitesOf(agent.id),
        };
      },
    );
    app.post('/api/auth/logout', async (req, reply) => {
      await app.sessions.revoke(req, reply);
      return reply.code(204).send();
    });

    app.get('/api/me', { preHandler: app.requireAgent }, async (req) => {
      if (!req.agent) throw sbError(ErrorCode.Unauthorized);
      return myProfile(app, req.agent);
    });

    app.get('/api/agents', { preHandler: app.requireAgent }, async (req) => {
      if (!req.agent) throw sbError(ErrorCode.Unauthorized);
      const agents = await app.chat.listAgents(req.agent.siteId);
      return agents.map((a) => app.chat.agentInfo(a));
    });

    // Admins of the site change its widget settings; connected visitors and agents get a `site` frame.
    app.put<{ Params: { site: string } }>(
      '/api/sites/:site/settings',
      { schema: { body: SiteSettingsRequest }, preHandler: app.requireAgent },
      async (req): Promise<SiteConfig> => {
        const agent = req.agent;
        if (!agent) throw sbError(ErrorCode.Unauthorized);
        if (agent.role !== 'admin' || agent.siteId !== req.params.site) {
          throw sbError(ErrorCode.Forbidden, 'Only an admin of this site can change its settings');
        }
        return app.chat.updateSiteSettings(agent.siteId, req.body as SettingsBody);
      },
    );

    // ---------------------------------------------------------- shop backend push

    app.post<{ Params: { site: string } }>(
      '/api/sites/:site/notify',
      { schema: { body: NotifyRequest } },
      async (req): Promise<NotifyResponse> => {
        const site = await siteOr404(req.params.site);
        const token = bearerToken(req);
        if (!token || !activeSecrets(site).some((k) => secretsEqual(token, k))) {
          throw sbError(ErrorCode.Unauthorized, 'Authorization: Bearer <site secret> required');
        }
        const body = req.body as NotifyBody;
        const { delivered, conversationId, seq } = await app.chat.notify(site, {
          userId: body.userId,
          text: body.text,
        });
        return { delivered, conversationId, seq };
      },
    );

    // ---------------------------------------------------------- health

    app.get('/healthz', async () => ({ ok: true }));
    app.get('/readyz', async (_req, reply) => {
      const [db, bus] = await Promise.all([
        app.chat.ping().then(
          () => 'ok',
          () => 'error',
        ),
        app.bus.ping().then(
          () => 'ok',
          () => 'error',
        ),
      ]);
      const ok = db === 'ok' && bus === 'ok' && !app.gateway.shuttingDown;
      reply.code(ok ? 200 : 503);
      return { ok, db, bus };
    });
  },
  { name: 'switchboard-routes', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
