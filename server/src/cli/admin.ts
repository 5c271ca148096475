/**
 * The operators' administration commands (DESIGN.md "Administration"): sites, origins, agents,
 * passwords and secrets, on the same DATABASE_URL/DATA_DIR as the server. They go through the
 * same `Admin` service as the console's admin API, so a running server applies each change
 * within ADMIN_POLL_MS (admin/watch.ts): a new origin is accepted, a deactivated agent is
 * signed out.
 */
import type { AgentRole } from '@switchboard/protocol';
import { Admin, AdminError, adminAgentOf } from '../admin/service.js';
import { type Config, loadConfig, sqlitePath } from '../config.js';
import { PasswordHasher } from '../http/auth.js';
import { openStorage, SqliteStorage } from '../storage/index.js';
import type { AgentRecord, SiteRecord, Storage } from '../storage/types.js';
import {
  type CliContext,
  type Command,
  type CommandInput,
  type CommandResult,
  flag,
  type OptionSpec,
  stringOption,
  UsageError,
} from './command.js';

const MIN_PASSWORD = 8;

function required(input: CommandInput, name: string): string {
  const v = stringOption(input, name)?.trim();
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
}

function role(input: CommandInput): AgentRole {
  const r = required(input, 'role');
  if (r !== 'agent' && r !== 'admin')
    throw new UsageError(`--role must be agent or admin, got "${r.slice(0, 20)}"`);
  return r;
}

/** The password on standard input (one line; the trailing newline is not part of it). */
async function passwordFromStdin(ctx: CliContext): Promise<string> {
  const raw = await ctx.readStdin();
  const password = raw.replace(/\r?\n$/, '');
  if (password.length < MIN_PASSWORD) {
    throw new UsageError(`the password on standard input must have at least ${MIN_PASSWORD} characters`);
  }
  if (password.length > 200)
    throw new UsageError('the password on standard input is longer than 200 characters');
  return password;
}

async function open(config: Config): Promise<Storage> {
  const path = sqlitePath(config.databaseUrl);
  // A short-lived process: checkpoints stay inline (no worker thread to start and stop).
  if (path !== null)
    return new SqliteStorage(path, { synchronous: config.sqliteSynchronous, checkpointInWorker: false });
  return openStorage(config);
}

/** Opens the store, runs `fn` with the Admin service, closes; AdminError kinds map to exit codes. */
async function withAdmin<T>(ctx: CliContext, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const config = loadConfig(ctx.env);
  const storage = await open(config);
  const passwords = new PasswordHasher({ N: config.scryptN, concurrency: 1, maxQueue: 4 });
  const admin = new Admin({
    storage,
    passwords,
    baseUrl: () => config.publicUrl ?? `http://localhost:${config.port}`,
  });
  try {
    return await fn(admin);
  } catch (err) {
    // A value the command cannot accept (an origin, an email) is a usage error.
    if (err instanceof AdminError && err.kind === 'validation') throw new UsageError(err.message);
    throw err;
  } finally {
    await storage.close();
  }
}

const SITE: OptionSpec = { type: 'string', required: true, value: 'ID', help: 'the site id' };
const EMAIL: OptionSpec = { type: 'string', required: true, value: 'E', help: "the agent's email" };
const PASSWORD_STDIN: OptionSpec = { type: 'boolean', help: 'read the password from standard input' };

function siteJson(s: SiteRecord) {
  return { id: s.id, name: s.name, allowedOrigins: s.allowedOrigins, createdAt: s.createdAt };
}

function originsResult(site: SiteRecord): CommandResult {
  return {
    json: { site: site.id, allowedOrigins: site.allowedOrigins },
    text: `Allowed origins of ${site.id}:\n${site.allowedOrigins.map((o) => `  ${o}`).join('\n')}`,
  };
}

function secretResult(site: SiteRecord, what: string): CommandResult {
  const json: Record<string, unknown> = { site: site.id, secret: site.secret };
  if (site.previousSecretUntil) json.previousSecretUntil = site.previousSecretUntil;
  const grace = site.previousSecretUntil
    ? `\nThe previous secret keeps working until ${new Date(site.previousSecretUntil).toISOString()}.`
    : '';
  return {
    json,
    text: `${what}\nSite secret (identity hashes, notify API): ${site.secret}\nIt is shown once: keep it in your shop's backend configuration.${grace}`,
  };
}

export const createSiteCommand: Command = {
  name: 'create-site',
  summary: 'create a site (its id, name and the shop origins allowed to embed the widget)',
  args: [],
  options: {
    id: {
      type: 'string',
      required: true,
      value: 'ID',
      help: 'the site id: lower-case letters, digits and dashes (data-site)',
    },
    name: { type: 'string', required: true, value: 'NAME', help: 'the shop name' },
    origin: {
      type: 'string',
      required: true,
      multiple: true,
      value: 'ORIGIN',
      help: 'an origin allowed to embed the widget (repeatable)',
    },
  },
  description:
    'Prints the site secret once (identity hashes and the notify API). Origins are exact (https://shop.example) or http://localhost:* for any port on localhost.',
  async run(input, ctx) {
    const id = required(input, 'id');
    const name = required(input, 'name');
    const origins = (input.values.origin as string[] | undefined) ?? [];
    if (origins.length === 0) throw new UsageError('at least one --origin is required');
    const site = await withAdmin(ctx, (a) => a.createSite({ id, name, allowedOrigins: origins }));
    const r = secretResult(site, `Created site ${site.id} (${site.name}).`);
    return {
      json: r.json,
      text: `${r.text}\nEmbed: <script src="…/widget.js" data-site="${site.id}" async></script>`,
    };
  },
};

/** `add-origin` and `remove-origin`: the same options, one change each. */
function originCommand(
  name: string,
  summary: string,
  description: string,
  change: (a: Admin, site: string, origin: string) => Promise<SiteRecord>,
): Command {
  return {
    name,
    summary,
    args: [],
    options: {
      site: SITE,
      origin: { type: 'string', required: true, value: 'ORIGIN', help: 'https://shop.example' },
    },
    description,
    async run(input, ctx) {
      const site = required(input, 'site');
      const origin = required(input, 'origin');
      return originsResult(await withAdmin(ctx, (a) => change(a, site, origin)));
    },
  };
}

export const addOriginCommand = originCommand(
  'add-origin',
  "allow another origin to embed a site's widget",
  'A running server accepts the origin within ADMIN_POLL_MS (1 s).',
  (a, site, origin) => a.addOrigin(site, origin),
);

export const removeOriginCommand = originCommand(
  'remove-origin',
  "stop an origin from embedding a site's widget",
  'A site keeps at least one origin.',
  (a, site, origin) => a.removeOrigin(site, origin),
);

export const rotateSecretCommand: Command = {
  name: 'rotate-secret',
  summary: "replace a site's secret (the previous one keeps working for 24 hours)",
  args: [],
  options: { site: SITE },
  description: 'Roll the new secret out to the shop backend within the grace period.',
  async run(input, ctx) {
    const site = required(input, 'site');
    return secretResult(await withAdmin(ctx, (a) => a.rotateSecret(site)), `Rotated the secret of ${site}.`);
  },
};

export const createAgentCommand: Command = {
  name: 'create-agent',
  summary: 'add an agent to a site (an invitation link, or a password on standard input)',
  args: [],
  options: {
    site: SITE,
    email: EMAIL,
    name: { type: 'string', required: true, value: 'N', help: "the agent's display name" },
    role: { type: 'string', required: true, value: 'agent|admin', help: 'the role on this site' },
    'password-stdin': PASSWORD_STDIN,
  },
  description:
    'Without --password-stdin, prints a one-time invitation link (valid 7 days; PUBLIC_URL sets its address). An existing account (same email) is added to the site with its own password.',
  async run(input, ctx) {
    const siteId = required(input, 'site');
    const email = required(input, 'email');
    const name = required(input, 'name');
    const r = role(input);
    const password = flag(input, 'password-stdin') ? await passwordFromStdin(ctx) : undefined;
    const created = await withAdmin(ctx, (a) =>
      a.createAgent({ siteId, email, name, role: r, ...(password === undefined ? {} : { password }) }),
    );
    const json: Record<string, unknown> = { agentId: created.agent.id };
    if (created.invite) {
      json.inviteUrl = created.invite.url;
      json.inviteExpiresAt = created.invite.expiresAt;
    }
    return {
      json,
      text: created.invite
        ? `Created ${r} ${email} on ${siteId}. Send them this one-time link (valid until ${new Date(created.invite.expiresAt).toISOString()}):\n${created.invite.url}`
        : `Created ${r} ${email} on ${siteId}; they sign in at /console.`,
    };
  },
};

export const resetPasswordCommand: Command = {
  name: 'reset-password',
  summary: "set an agent's password (from standard input); signs out every session",
  args: [],
  options: {
    email: EMAIL,
    site: { ...SITE, required: false, help: 'only if the account is a member of this site' },
    'password-stdin': PASSWORD_STDIN,
  },
  description:
    'echo "new password" | npx switchboard reset-password --email ana@shop.example --password-stdin',
  async run(input, ctx) {
    const email = required(input, 'email');
    const site = stringOption(input, 'site');
    if (!flag(input, 'password-stdin'))
      throw new UsageError('--password-stdin is required (the password is read from standard input)');
    const password = await passwordFromStdin(ctx);
    const account = await withAdmin(ctx, (a) => a.resetPassword(email, password, site));
    return {
      json: { agentId: account.id, email: account.email },
      text: `Password of ${account.email} set; every session of the account was signed out.`,
    };
  },
};

export const deactivateAgentCommand: Command = {
  name: 'deactivate-agent',
  summary: 'deactivate an agent on a site: signed out, their chats go back to the queue',
  args: [],
  options: { site: SITE, email: EMAIL },
  description:
    'A running server closes their sockets and re-queues their conversations within ADMIN_POLL_MS.',
  async run(input, ctx) {
    const site = required(input, 'site');
    const email = required(input, 'email');
    const agent = await withAdmin(ctx, (a) => a.deactivate(site, email));
    return {
      json: { agentId: agent.id, site, active: agent.active },
      text: `Deactivated ${agent.email} on ${site}.`,
    };
  },
};

export const listSitesCommand: Command = {
  name: 'list-sites',
  summary: 'list the sites',
  args: [],
  options: {},
  description: 'Their ids, names and allowed origins (never their secrets).',
  async run(_input, ctx) {
    const sites = await withAdmin(ctx, (a) => a.listSites());
    return {
      json: { sites: sites.map(siteJson) },
      text:
        sites.length === 0
          ? 'No sites yet: npx switchboard create-site --id … --name … --origin …'
          : sites.map((s) => `${s.id}\t${s.name}\t${s.allowedOrigins.join(' ')}`).join('\n'),
    };
  },
};

export const listAgentsCommand: Command = {
  name: 'list-agents',
  summary: "list a site's agents",
  args: [],
  options: { site: SITE },
  description: 'Email, name, role and state (active, deactivated, invited).',
  async run(input, ctx) {
    const siteId = required(input, 'site');
    const agents = await withAdmin(ctx, async (a) => {
      await a.site(siteId);
      return a.listAgents(siteId);
    });
    const state = (a: AgentRecord) =>
      !a.active ? 'deactivated' : a.passwordHash === '' ? 'invited' : 'active';
    return {
      json: { site: siteId, agents: agents.map((a) => adminAgentOf(a)) },
      text:
        agents.length === 0
          ? `No agents on ${siteId}.`
          : agents.map((a) => `${a.email}\t${a.name}\t${a.role}\t${state(a)}`).join('\n'),
    };
  },
};

export const ADMIN_COMMANDS: readonly Command[] = [
  createSiteCommand,
  addOriginCommand,
  removeOriginCommand,
  rotateSecretCommand,
  createAgentCommand,
  resetPasswordCommand,
  deactivateAgentCommand,
  listSitesCommand,
  listAgentsCommand,
];
