/**
 * The administration HTTP API (docs/admin.md): first-run setup, the site and its agents for
 * admins, invitations, and every agent's own profile. Also starts the watcher that applies
 * administration changes made anywhere (this process, another node, the command line).
 */
import type { Static } from '@sinclair/typebox';
import {
  type AdminAgent,
  type AdminSite,
  type AgentInfo,
  ErrorCode,
  type InvitationInfo,
  type LoginResponse,
  type SetupResponse,
  type SetupStatus,
  type SiteSecretResponse,
} from '@switchboard/protocol';
import {
  AcceptInvitationRequest,
  AdminSitePatch,
  AgentPatchRequest,
  CreateAgentRequest,
  PasswordChangeRequest,
  PasswordResetConfirm,
  PasswordResetRequest,
  ProfilePatchRequest,
  SetupRequest,
  SwitchSiteRequest,
} from '@switchboard/protocol/schemas';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { sbError } from '../errors.js';
import { secretsEqual } from '../http/auth.js';
import { myProfile } from '../http/routes.js';
import type { Mailer } from '../mail/mailer.js';
import { DEMO_SITE_ID } from '../seed.js';
import type { AgentRecord, SitePatch } from '../storage/types.js';
import { Admin, AdminError } from './service.js';
import { RefreshSessions } from './sessions.js';
import { AdminWatcher } from './watch.js';

declare module 'fastify' {
  interface FastifyInstance {
    admin: Admin;
    adminWatcher: AdminWatcher;
    /** The one-time first-run token (null when the database had a site at start). */
    setupToken: string | null;
  }
}

/**
 * Mails an invitation when mail is configured; true once the mail server took it. Waits at most
 * 10 s (the admin's request must not hang on a slow mail server); the link is shown either way.
 */
async function mailInvitation(
  mailer: Mailer,
  log: FastifyBaseLogger,
  i: { to: string; name: string; siteName: string; url: string; expiresAt: number },
): Promise<boolean> {
  if (!mailer.enabled) return false;
  const text = [
    `Hi ${i.name},`,
    '',
    `You are invited to answer the chat of ${i.siteName} on Switchboard.`,
    `Choose your password here (the link works once, until ${new Date(i.expiresAt).toUTCString()}):`,
    '',
    i.url,
  ].join('\n');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the mail server did not answer within 10 s')), 10_000);
  });
  try {
    await Promise.race([mailer.send({ to: i.to, subject: `Your invitation to ${i.siteName}`, text }), late]);
    return true;
  } catch (err) {
    log.warn({ err }, 'mail: the invitation could not be mailed (the link is shown to the admin)');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface AdminPluginOptions {
  config: Config;
  setupToken: string | null;
}

type Body<T extends import('@sinclair/typebox').TSchema> = Static<T>;

const STATUS: Record<AdminError['kind'], ErrorCode> = {
  validation: ErrorCode.Validation,
  not_found: ErrorCode.NotFound,
  conflict: ErrorCode.Conflict,
  forbidden: ErrorCode.Forbidden,
};

/** An AdminError as the coded HTTP error; anything else unchanged. */
function coded<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    if (err instanceof AdminError) throw sbError(STATUS[err.kind], err.message);
    throw err;
  });
}

export const adminPlugin = fp<AdminPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const { config } = opts;
    let listening: string | null = null;
    const baseUrl = () => config.publicUrl ?? listening ?? `http://localhost:${config.port}`;
    const watcher = new AdminWatcher(
      app.storage,
      app.timers,
      config.adminPollMs,
      async () => {
        await app.chat.adminChanged();
        await app.gateway.revalidateAgents();
      },
      (err) => app.log.error({ err }, 'applying an administration change failed'),
    );
    const admin = new Admin({
      storage: app.storage,
      passwords: app.passwords,
      baseUrl,
      // Applied here before the request answers (a deactivated agent's sockets are closed, a
      // removed webhook gets no more events); a failure is logged, the change itself stands.
      onChanged: () =>
        watcher
          .now()
          .catch((err: unknown) => app.log.error({ err }, 'applying an administration change failed')),
    });
    app.decorate('admin', admin);
    app.decorate('adminWatcher', watcher);
    app.decorate('setupToken', opts.setupToken);
    app.addHook('onReady', async () => watcher.start());
    app.addHook('onListen', async () => {
      const a = app.server.address();
      if (typeof a === 'object' && a) listening = `http://localhost:${a.port}`;
    });
    app.addHook('onClose', async () => watcher.stop());

    /** Links follow the address the admin used when no PUBLIC_URL is set. */
    const linkBase = (req: FastifyRequest) => config.publicUrl ?? `${req.protocol}://${req.host}`;

    app.decorate(
      'sessions',
      new RefreshSessions(
        app.storage,
        (account, site) => app.chat.agent(account, site),
        // A session that ended takes its sockets with it: here now, on the other nodes by the bus.
        (sessionId) => {
          app.gateway.dropSession(sessionId);
          app.cluster.announceSessionEnded(sessionId);
        },
      ),
    );

    /** A sign-in's answer: the access token, who, which sites — and the refresh cookie. */
    async function loginResponse(
      agent: AgentRecord,
      req: FastifyRequest,
      reply: FastifyReply,
    ): Promise<LoginResponse> {
      const sid = await app.sessions.issue(req, reply, agent);
      return {
        token: app.auth.signAgent(agent, sid),
        agent: app.chat.agentInfo(agent),
        sites: await admin.sitesOf(agent.id),
      };
    }

    function me(req: FastifyRequest): AgentRecord {
      if (!req.agent) throw sbError(ErrorCode.Unauthorized);
      return req.agent;
    }

    /** Admin of the site in the URL, signed in to it. */
    function siteAdmin(req: FastifyRequest<{ Params: { site: string } }>): AgentRecord {
      const agent = me(req);
      if (agent.role !== 'admin' || agent.siteId !== req.params.site) {
        throw sbError(ErrorCode.Forbidden, 'Only an admin of this site, signed in to it, can do this');
      }
      return agent;
    }

    // ---------------------------------------------------------- first run

    app.get<{ Querystring: { token?: string } }>('/api/setup', async (req): Promise<SetupStatus> => {
      const needed = app.setupToken !== null && (await app.storage.isEmpty());
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      return {
        needed,
        tokenValid: needed && token !== '' && secretsEqual(token, app.setupToken ?? ''),
        demo: (await app.chat.site(DEMO_SITE_ID)) !== null,
        mail: app.mailer.enabled,
      };
    });

    app.post(
      '/api/setup',
      { schema: { body: SetupRequest }, config: { rateLimit: { max: 20, timeWindow: '1 minute' } } },
      async (req, reply): Promise<SetupResponse> => {
        const body = req.body as Body<typeof SetupRequest>;
        if (app.setupToken === null || !(await app.storage.isEmpty())) {
          throw sbError(ErrorCode.Conflict, 'Switchboard is already set up: sign in instead');
        }
        if (!secretsEqual(body.token, app.setupToken)) {
          throw sbError(ErrorCode.Unauthorized, 'Wrong setup token: use the link `npm start` printed');
        }
        const agent = await coded(admin.setup(body.site, body.admin));
        const site = await coded(admin.site(agent.siteId));
        return {
          ...(await loginResponse(agent, req, reply)),
          site: admin.adminSite(site, linkBase(req)),
          secret: site.secret,
        };
      },
    );

    // ---------------------------------------------------------- sign-in across sites, profile

    app.post(
      '/api/auth/site',
      { schema: { body: SwitchSiteRequest }, preHandler: app.requireAgent },
      async (req, reply): Promise<LoginResponse> => {
        const agent = me(req);
        const { site } = req.body as Body<typeof SwitchSiteRequest>;
        const target = await app.chat.agent(agent.id, site);
        if (!target?.active) throw sbError(ErrorCode.Forbidden, 'You are not an active member of that site');
        return loginResponse(target, req, reply);
      },
    );

    app.patch(
      '/api/me',
      { schema: { body: ProfilePatchRequest }, preHandler: app.requireAgent },
      async (req): Promise<AgentInfo> => {
        const agent = me(req);
        const { name, mailLeftMessages } = req.body as Body<typeof ProfilePatchRequest>;
        if (name !== undefined) await coded(admin.rename(agent.id, name));
        if (mailLeftMessages !== undefined) await app.storage.updateAccount(agent.id, { mailLeftMessages });
        return myProfile(app, await coded(admin.member(agent.id, agent.siteId)));
      },
    );

    app.post(
      '/api/me/password',
      {
        schema: { body: PasswordChangeRequest },
        preHandler: app.requireAgent,
        config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      },
      async (req, reply): Promise<LoginResponse> => {
        const agent = me(req);
        const body = req.body as Body<typeof PasswordChangeRequest>;
        await coded(admin.changePassword(agent.id, body.oldPassword, body.newPassword));
        return loginResponse(await coded(admin.member(agent.id, agent.siteId)), req, reply);
      },
    );

    // ---------------------------------------------------------- invitations

    app.get<{ Params: { token: string } }>(
      '/api/invitations/:token',
      async (req): Promise<InvitationInfo> => {
        const inv = await coded(admin.invitation(req.params.token));
        return {
          email: inv.agent.email,
          name: inv.agent.name,
          site: { id: inv.site.id, name: inv.site.name },
          expiresAt: inv.expiresAt,
        };
      },
    );

    app.post<{ Params: { token: string } }>(
      '/api/invitations/:token',
      {
        schema: { body: AcceptInvitationRequest },
        config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      },
      async (req, reply): Promise<LoginResponse> => {
        const body = req.body as Body<typeof AcceptInvitationRequest>;
        return loginResponse(
          await coded(admin.acceptInvitation(req.params.token, body.name, body.password)),
          req,
          reply,
        );
      },
    );

    // ---------------------------------------------------------- password reset by mail

    app.post(
      '/api/auth/password-reset',
      {
        schema: { body: PasswordResetRequest },
        config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
      },
      async (req): Promise<{ sent: true }> => {
        if (!app.mailer.enabled) {
          throw sbError(
            ErrorCode.Unavailable,
            'This server sends no mail: ask an admin to reset your password',
          );
        }
        const { email } = req.body as Body<typeof PasswordResetRequest>;
        const link = await admin.passwordResetLink(email, linkBase(req));
        // The same answer whether the account exists or not; the mail goes out in the background.
        if (link) {
          const text = [
            `Hi ${link.name},`,
            '',
            'Someone (hopefully you) asked to reset your Switchboard password. Choose a new one here',
            `(the link works once, until ${new Date(link.expiresAt).toUTCString()}):`,
            '',
            link.url,
            '',
            'If it was not you, ignore this mail: your password stays as it is.',
          ].join('\n');
          app.mailer
            .send({ to: link.to, subject: 'Reset your Switchboard password', text })
            .catch((err: unknown) => req.log.warn({ err }, 'mail: the password reset could not be mailed'));
        }
        return { sent: true };
      },
    );

    app.post<{ Params: { token: string } }>(
      '/api/auth/password-reset/:token',
      {
        schema: { body: PasswordResetConfirm },
        config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      },
      async (req, reply): Promise<LoginResponse> => {
        const { password } = req.body as Body<typeof PasswordResetConfirm>;
        return loginResponse(await coded(admin.resetPasswordByLink(req.params.token, password)), req, reply);
      },
    );

    // ---------------------------------------------------------- the site (admins)

    app.get<{ Params: { site: string } }>(
      '/api/admin/sites/:site',
      { preHandler: app.requireAgent },
      async (req): Promise<AdminSite> => {
        siteAdmin(req);
        return admin.adminSite(await coded(admin.site(req.params.site)), linkBase(req));
      },
    );

    app.patch<{ Params: { site: string } }>(
      '/api/admin/sites/:site',
      { schema: { body: AdminSitePatch }, preHandler: app.requireAgent },
      async (req): Promise<AdminSite> => {
        siteAdmin(req);
        const body = req.body as Body<typeof AdminSitePatch>;
        // The widget's fields are validated as the settings route does; name and origins here.
        const patch: SitePatch = app.chat.settingsPatch(body);
        if (body.name !== undefined) patch.name = body.name;
        if (body.allowedOrigins !== undefined) patch.allowedOrigins = body.allowedOrigins;
        if (body.assignment !== undefined) patch.assignment = body.assignment;
        if (body.retentionDays !== undefined) patch.retentionDays = body.retentionDays || null;
        if (body.departmentAssignment !== undefined) {
          const current = await app.chat.site(req.params.site);
          const departments = patch.departments ?? current?.departments ?? [];
          const unknown = Object.keys(body.departmentAssignment).filter((d) => !departments.includes(d));
          if (unknown.length)
            throw sbError(
              ErrorCode.Validation,
              `body.departmentAssignment: "${unknown[0]}" is not a department of this site`,
            );
          patch.departmentAssignment = body.departmentAssignment;
        }
        const site = await coded(admin.updateSite(req.params.site, patch));
        await app.chat.siteChanged(site);
        return admin.adminSite(site, linkBase(req));
      },
    );

    app.post<{ Params: { site: string } }>(
      '/api/admin/sites/:site/secret',
      { preHandler: app.requireAgent },
      async (req): Promise<SiteSecretResponse> => {
        siteAdmin(req);
        const site = await coded(admin.rotateSecret(req.params.site));
        return { site: site.id, secret: site.secret, previousSecretUntil: site.previousSecretUntil ?? null };
      },
    );

    // ---------------------------------------------------------- agents (admins)

    app.get<{ Params: { site: string } }>(
      '/api/admin/sites/:site/agents',
      { preHandler: app.requireAgent },
      async (req): Promise<AdminAgent[]> => {
        siteAdmin(req);
        return (await admin.listAgents(req.params.site)).map((a) => admin.adminAgent(a));
      },
    );

    app.post<{ Params: { site: string } }>(
      '/api/admin/sites/:site/agents',
      { schema: { body: CreateAgentRequest }, preHandler: app.requireAgent },
      async (req) => {
        siteAdmin(req);
        const body = req.body as Body<typeof CreateAgentRequest>;
        const created = await coded(admin.createAgent({ ...body, siteId: req.params.site }, linkBase(req)));
        const invite = created.invite;
        if (!invite) return { agent: admin.adminAgent(created.agent) };
        const site = await app.storage.getSite(req.params.site);
        const mailed = await mailInvitation(app.mailer, req.log, {
          to: body.email,
          name: body.name,
          siteName: site?.name ?? req.params.site,
          url: invite.url,
          expiresAt: invite.expiresAt,
        });
        return {
          agent: admin.adminAgent(created.agent),
          inviteUrl: invite.url,
          inviteExpiresAt: invite.expiresAt,
          mailed,
        };
      },
    );

    app.patch<{ Params: { site: string; agent: string } }>(
      '/api/admin/sites/:site/agents/:agent',
      { schema: { body: AgentPatchRequest }, preHandler: app.requireAgent },
      async (req): Promise<AdminAgent> => {
        const by = siteAdmin(req);
        const body = req.body as Body<typeof AgentPatchRequest>;
        return admin.adminAgent(await coded(admin.updateMember(req.params.agent, req.params.site, body, by)));
      },
    );
  },
  { name: 'switchboard-admin', dependencies: ['switchboard-realtime', 'switchboard-auth'] },
);
