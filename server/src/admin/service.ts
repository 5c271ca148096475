/**
 * Administration: sites, agents, invitations and passwords, on the storage contract only, so
 * the HTTP admin API and the command line share every rule (validation, atomicity, what a
 * change must tell the running servers).
 *
 * Every change ends with `changed()`: it writes a new value under ADMIN_VERSION_KEY in the
 * database (the servers poll it, see watch.ts — this is how a CLI change reaches a running
 * server, and how one node's change reaches the others) and tells this process at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AdminAgent, AdminSite, AgentRole, SiteMembership } from '@switchboard/protocol';
import type { PasswordHasher } from '../http/auth.js';
import { newId, randomSecret } from '../ids.js';
import type {
  AccountRecord,
  AgentRecord,
  MembershipPatch,
  SitePatch,
  SiteRecord,
  Storage,
} from '../storage/types.js';
import { normaliseOrigin, normaliseOrigins, OriginError } from './origins.js';
import { SECRET_GRACE_MS } from './site-secret.js';

export const ADMIN_VERSION_KEY = 'admin.version';
/** How long a password-reset link works. */
const RESET_TTL_MS = 60 * 60_000;

/** How long an invitation link works. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type AdminErrorKind = 'validation' | 'not_found' | 'conflict' | 'forbidden';

/** A refused administration request: the kind maps to an HTTP status or an exit code. */
export class AdminError extends Error {
  constructor(
    readonly kind: AdminErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const SITE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The `<script>` tag a shop pastes (DESIGN.md data attributes). */
export function embedSnippet(baseUrl: string, siteId: string): string {
  return `<script src="${baseUrl}/widget.js" data-site="${siteId}" async></script>`;
}

export interface NewSiteInput {
  id: string;
  name: string;
  allowedOrigins: readonly string[];
}

export interface NewAgentInput {
  siteId: string;
  email: string;
  name: string;
  role: AgentRole;
  /** A password makes the account ready; without one, an invitation link is made. */
  password?: string;
  departments?: string[];
  maxChats?: number | null;
}

export interface CreatedAgent {
  agent: AgentRecord;
  /** Set when an invitation was made. */
  invite: { url: string; expiresAt: number } | null;
}

export interface AdminOptions {
  storage: Storage;
  passwords: PasswordHasher;
  /** Where links point (`PUBLIC_URL`, or the server's own address). */
  baseUrl: () => string;
  /** Applies every change in this process before the change returns (the watcher tells the others). */
  onChanged?: () => Promise<void>;
}

function origins(inputs: readonly string[]): string[] {
  try {
    return normaliseOrigins(inputs);
  } catch (err) {
    if (err instanceof OriginError) throw new AdminError('validation', `allowedOrigins: ${err.message}`);
    throw err;
  }
}

/** A member as admins see them (console and CLI alike). */
export function adminAgentOf(a: AgentRecord): AdminAgent {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    role: a.role,
    active: a.active,
    departments: a.departments,
    maxChats: a.maxChats,
    invited: a.passwordHash === '',
  };
}

export class Admin {
  private readonly storage: Storage;

  constructor(private readonly opts: AdminOptions) {
    this.storage = opts.storage;
  }

  /** Tells every server an administration change happened (webhooks, API keys use it too). */
  announce(): Promise<void> {
    return this.changed();
  }

  private async changed(): Promise<void> {
    await this.storage.setSetting(ADMIN_VERSION_KEY, newId('v'));
    await this.opts.onChanged?.();
  }

  // ------------------------------------------------------------ sites

  async site(id: string): Promise<SiteRecord> {
    const site = await this.storage.getSite(id);
    if (!site) throw new AdminError('not_found', `No site "${id.slice(0, 64)}"`);
    return site;
  }

  /** `base`: where links point (default: the configured address). */
  adminSite(site: SiteRecord, base = this.opts.baseUrl()): AdminSite {
    return {
      id: site.id,
      name: site.name,
      allowedOrigins: site.allowedOrigins,
      color: site.color,
      title: site.title,
      greeting: site.greeting,
      departments: site.departments,
      businessHours: site.businessHours ?? null,
      assignment: site.assignment ?? 'manual',
      departmentAssignment: site.departmentAssignment ?? {},
      retentionDays: site.retentionDays ?? null,
      snippet: embedSnippet(base, site.id),
      previousSecretUntil:
        site.previousSecret && (site.previousSecretUntil ?? 0) > Date.now()
          ? (site.previousSecretUntil ?? null)
          : null,
    };
  }

  listSites(): Promise<SiteRecord[]> {
    return this.storage.listSites();
  }

  private newSiteRecord(input: NewSiteInput): SiteRecord {
    if (!SITE_ID.test(input.id)) {
      throw new AdminError(
        'validation',
        'id: lower-case letters, digits and dashes, at most 64, starting with a letter or digit',
      );
    }
    const name = input.name.trim();
    if (!name) throw new AdminError('validation', 'name: must not be empty');
    if (input.allowedOrigins.length === 0)
      throw new AdminError('validation', 'allowedOrigins: at least one origin');
    return {
      id: input.id,
      name,
      secret: randomSecret(24),
      allowedOrigins: origins(input.allowedOrigins),
      departments: [],
      color: '#2563eb',
      title: 'Chat with us',
      greeting: 'Hi! How can we help?',
      businessHours: null,
      createdAt: Date.now(),
    };
  }

  async createSite(input: NewSiteInput): Promise<SiteRecord> {
    const site = this.newSiteRecord(input);
    if (await this.storage.getSite(site.id))
      throw new AdminError('conflict', `Site "${site.id}" exists already`);
    await this.storage.createSite(site);
    await this.changed();
    return site;
  }

  /**
   * First run: the site and its admin in one transaction, only while no site exists
   * (a second attempt, or a race with another, is a conflict and writes nothing).
   */
  async setup(
    input: NewSiteInput,
    admin: { name: string; email: string; password: string },
  ): Promise<AgentRecord> {
    const site = this.newSiteRecord(input);
    const email = this.email(admin.email);
    const agent = {
      id: newId('a'),
      siteId: site.id,
      email,
      name: this.name(admin.name),
      role: 'admin' as const,
      passwordHash: await this.opts.passwords.hash(admin.password),
      createdAt: site.createdAt,
    };
    if (!(await this.storage.createSite(site, [agent], true))) {
      throw new AdminError('conflict', 'Switchboard is already set up: sign in instead');
    }
    await this.changed();
    return this.member(agent.id, site.id);
  }

  async updateSite(id: string, patch: SitePatch): Promise<SiteRecord> {
    const clean: SitePatch = { ...patch };
    if (patch.allowedOrigins) clean.allowedOrigins = origins(patch.allowedOrigins);
    if (patch.name !== undefined) {
      clean.name = patch.name.trim();
      if (!clean.name) throw new AdminError('validation', 'name: must not be empty');
    }
    const site = await this.storage.updateSite(id, clean);
    if (!site) throw new AdminError('not_found', `No site "${id.slice(0, 64)}"`);
    await this.changed();
    return site;
  }

  async addOrigin(id: string, origin: string): Promise<SiteRecord> {
    const site = await this.site(id);
    const [o] = origins([origin]);
    if (site.allowedOrigins.includes(o as string)) return site;
    return this.updateSite(id, { allowedOrigins: [...site.allowedOrigins, o as string] });
  }

  async removeOrigin(id: string, origin: string): Promise<SiteRecord> {
    const site = await this.site(id);
    let o: string;
    try {
      o = normaliseOrigin(origin);
    } catch {
      o = origin.trim();
    }
    if (!site.allowedOrigins.includes(o)) {
      throw new AdminError('not_found', `"${origin.slice(0, 100)}" is not an allowed origin of "${id}"`);
    }
    const rest = site.allowedOrigins.filter((x) => x !== o);
    if (rest.length === 0) throw new AdminError('conflict', 'a site keeps at least one allowed origin');
    return this.updateSite(id, { allowedOrigins: rest });
  }

  /** A new secret; the previous one keeps verifying for SECRET_GRACE_MS. */
  async rotateSecret(id: string): Promise<SiteRecord> {
    const site = await this.storage.rotateSiteSecret(id, randomSecret(24), Date.now() + SECRET_GRACE_MS);
    if (!site) throw new AdminError('not_found', `No site "${id.slice(0, 64)}"`);
    await this.changed();
    return site;
  }

  // ------------------------------------------------------------ agents

  private email(raw: string): string {
    const email = raw.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) {
      throw new AdminError('validation', 'email: not an email address');
    }
    return email;
  }

  private name(raw: string): string {
    const name = raw.trim();
    if (!name || name.length > 100) throw new AdminError('validation', 'name: 1 to 100 characters');
    return name;
  }

  async member(agentId: string, siteId: string): Promise<AgentRecord> {
    const a = await this.storage.getAgent(agentId, siteId);
    if (!a) throw new AdminError('not_found', 'No such agent on this site');
    return a;
  }

  async memberByEmail(siteId: string, email: string): Promise<AgentRecord> {
    const account = await this.storage.getAccountByEmail(email);
    const a = account ? await this.storage.getAgent(account.id, siteId) : null;
    if (!a) throw new AdminError('not_found', `No agent "${email.slice(0, 100)}" on site "${siteId}"`);
    return a;
  }

  adminAgent(a: AgentRecord): AdminAgent {
    return adminAgentOf(a);
  }

  listAgents(siteId: string): Promise<AgentRecord[]> {
    return this.storage.listAgents(siteId);
  }

  /**
   * A new member of a site. A new email gets an account (ready with a password, or invited);
   * an existing account is added to the site with its own password.
   */
  async createAgent(input: NewAgentInput, base = this.opts.baseUrl()): Promise<CreatedAgent> {
    const site = await this.site(input.siteId);
    const email = this.email(input.email);
    const name = this.name(input.name);
    const existing = await this.storage.getAccountByEmail(email);
    const now = Date.now();
    if (existing) {
      if (await this.storage.getAgent(existing.id, site.id)) {
        throw new AdminError('conflict', `${email} is already an agent of "${site.id}"`);
      }
      await this.storage.addMembership({
        agentId: existing.id,
        siteId: site.id,
        role: input.role,
        active: true,
        departments: input.departments ?? [],
        maxChats: input.maxChats ?? null,
        createdAt: now,
      });
      if (input.password !== undefined && existing.passwordHash === '') {
        await this.storage.updateAccount(existing.id, {
          passwordHash: await this.opts.passwords.hash(input.password),
        });
      }
      const invite =
        existing.passwordHash === '' && input.password === undefined
          ? await this.invite(existing, site.id, base)
          : null;
      await this.changed();
      return { agent: await this.member(existing.id, site.id), invite };
    }
    const passwordHash = input.password === undefined ? '' : await this.opts.passwords.hash(input.password);
    const id = newId('a');
    try {
      await this.storage.createAgent({
        id,
        siteId: site.id,
        email,
        name,
        role: input.role,
        passwordHash,
        createdAt: now,
        departments: input.departments ?? [],
        maxChats: input.maxChats ?? null,
      });
    } catch (err) {
      // Two admins inviting the same email at once: the unique index decides.
      if (await this.storage.getAccountByEmail(email))
        throw new AdminError('conflict', `${email} exists already`);
      throw err;
    }
    const agent = await this.member(id, site.id);
    const invite = passwordHash === '' ? await this.invite(agent, site.id, base) : null;
    await this.changed();
    return { agent, invite };
  }

  /** A fresh one-time link for an account that has no password yet. */
  private async invite(
    account: AccountRecord,
    siteId: string,
    base: string,
  ): Promise<{ url: string; expiresAt: number }> {
    const token = randomBytes(24).toString('base64url');
    const now = Date.now();
    const expiresAt = now + INVITE_TTL_MS;
    await this.storage.createInvitation({
      tokenHash: tokenHash(token),
      siteId,
      agentId: account.id,
      expiresAt,
      usedAt: null,
      createdAt: now,
    });
    return { url: `${base}/console?invite=${token}`, expiresAt };
  }

  /**
   * A password-reset link for the account with this email, or null when there is none to
   * reset (unknown, invited only, no active membership) — the caller answers the same either
   * way. The link is an invitation row keyed by a hash of `reset:<token>`, so an invitation
   * link never resets and a reset link never opens the invitation page.
   */
  async passwordResetLink(
    email: string,
    base: string,
  ): Promise<{ to: string; name: string; url: string; expiresAt: number } | null> {
    const account = await this.storage.getAccountByEmail(email.trim());
    if (!account || account.passwordHash === '') return null;
    const membership = (await this.storage.listMemberships(account.id)).find((m) => m.active);
    if (!membership) return null;
    const token = randomBytes(24).toString('base64url');
    const now = Date.now();
    const expiresAt = now + RESET_TTL_MS;
    await this.storage.createInvitation({
      tokenHash: tokenHash(`reset:${token}`),
      siteId: membership.siteId,
      agentId: account.id,
      expiresAt,
      usedAt: null,
      createdAt: now,
    });
    return { to: account.email, name: account.name, url: `${base}/console?reset=${token}`, expiresAt };
  }

  /** Uses a reset link once: the new password, and every session of the account signed out. */
  async resetPasswordByLink(token: string, password: string): Promise<AgentRecord> {
    const key = tokenHash(`reset:${token}`);
    const gone = new AdminError(
      'not_found',
      'This reset link is unknown, used or expired: ask for a new one',
    );
    const inv = await this.storage.getInvitation(key);
    if (!inv || inv.usedAt !== null || inv.expiresAt <= Date.now()) throw gone;
    const account = await this.storage.getAccount(inv.agentId);
    if (!account) throw gone;
    const hash = await this.opts.passwords.hash(password);
    const agent = await this.storage.acceptInvitation(key, Date.now(), {
      name: account.name,
      passwordHash: hash,
      signOut: true,
    });
    if (!agent) throw gone;
    await this.changed();
    return agent;
  }

  /** What the invitation page shows; not_found when unknown, used or expired. */
  async invitation(token: string): Promise<{ agent: AgentRecord; site: SiteRecord; expiresAt: number }> {
    const inv = await this.storage.getInvitation(tokenHash(token));
    if (!inv || inv.usedAt !== null || inv.expiresAt <= Date.now()) {
      throw new AdminError(
        'not_found',
        'This invitation link is unknown, used or expired: ask your admin for a new one',
      );
    }
    const [agent, site] = await Promise.all([this.member(inv.agentId, inv.siteId), this.site(inv.siteId)]);
    return { agent, site, expiresAt: inv.expiresAt };
  }

  async acceptInvitation(token: string, name: string, password: string): Promise<AgentRecord> {
    const clean = this.name(name);
    const hash = await this.opts.passwords.hash(password);
    const agent = await this.storage.acceptInvitation(tokenHash(token), Date.now(), {
      name: clean,
      passwordHash: hash,
    });
    if (!agent) {
      throw new AdminError(
        'not_found',
        'This invitation link is unknown, used or expired: ask your admin for a new one',
      );
    }
    await this.changed();
    return agent;
  }

  async updateMember(
    agentId: string,
    siteId: string,
    patch: MembershipPatch,
    by?: AgentRecord,
  ): Promise<AgentRecord> {
    if (by && by.id === agentId && (patch.active === false || patch.role === 'agent')) {
      throw new AdminError('validation', 'You cannot deactivate yourself or take away your own admin role');
    }
    const before = await this.member(agentId, siteId);
    if (before.role === 'admin' && before.active && (patch.active === false || patch.role === 'agent')) {
      const admins = (await this.storage.listAgents(siteId)).filter((a) => a.role === 'admin' && a.active);
      if (admins.length <= 1) throw new AdminError('conflict', 'A site keeps at least one active admin');
    }
    const after = await this.storage.updateMembership(agentId, siteId, patch);
    if (!after) throw new AdminError('not_found', 'No such agent on this site');
    await this.changed();
    return after;
  }

  async deactivate(siteId: string, email: string): Promise<AgentRecord> {
    const a = await this.memberByEmail(siteId, email);
    return this.updateMember(a.id, siteId, { active: false });
  }

  /** An operator sets a password: every session of the account is signed out. */
  async resetPassword(email: string, password: string, siteId?: string): Promise<AccountRecord> {
    const account = await this.storage.getAccountByEmail(email);
    if (!account) throw new AdminError('not_found', `No account "${email.slice(0, 100)}"`);
    if (siteId !== undefined && !(await this.storage.getAgent(account.id, siteId))) {
      throw new AdminError('not_found', `${email} is not an agent of "${siteId}"`);
    }
    const updated = await this.storage.updateAccount(account.id, {
      passwordHash: await this.opts.passwords.hash(password),
      bumpTokenVersion: true,
    });
    if (!updated) throw new AdminError('not_found', `No account "${email.slice(0, 100)}"`);
    await this.changed();
    return updated;
  }

  /** The agent changes their own password (the old one checked): other sessions are signed out. */
  async changePassword(agentId: string, oldPassword: string, newPassword: string): Promise<AccountRecord> {
    const account = await this.storage.getAccount(agentId);
    if (!account || account.passwordHash === '') throw new AdminError('not_found', 'No such account');
    if (!(await this.opts.passwords.verify(oldPassword, account.passwordHash))) {
      throw new AdminError('forbidden', 'The current password is not right');
    }
    const updated = await this.storage.updateAccount(agentId, {
      passwordHash: await this.opts.passwords.hash(newPassword),
      bumpTokenVersion: true,
    });
    if (!updated) throw new AdminError('not_found', 'No such account');
    await this.changed();
    return updated;
  }

  async rename(agentId: string, name: string): Promise<AccountRecord> {
    const updated = await this.storage.updateAccount(agentId, { name: this.name(name) });
    if (!updated) throw new AdminError('not_found', 'No such account');
    await this.changed();
    return updated;
  }

  /** The sites an account can sign in to, with its role there. */
  async sitesOf(agentId: string): Promise<SiteMembership[]> {
    const out: SiteMembership[] = [];
    for (const m of await this.storage.listMemberships(agentId)) {
      if (!m.active) continue;
      const site = await this.storage.getSite(m.siteId);
      if (site) out.push({ id: site.id, name: site.name, role: m.role });
    }
    return out;
  }
}
