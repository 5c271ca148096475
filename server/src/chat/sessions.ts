/**
 * Who is talking: visitor sessions (anonymous, continued, or a verified shop identity),
 * the principals behind a socket, the `welcome` each side gets at `hello`, and the
 * visitor's own profile (pre-chat answers, `setAttributes`).
 */
import {
  type AgentWelcomeFrame,
  ErrorCode,
  PROTOCOL_VERSION,
  seesConversation,
  type VisitorUser,
  type VisitorWelcomeFrame,
} from '@switchboard/protocol';
import { sbError } from '../errors.js';
import { newId } from '../ids.js';
import type {
  AgentRecord,
  ConversationRecord,
  SiteRecord,
  Storage,
  VisitorRecord,
} from '../storage/types.js';
import type { Agents } from './agents.js';
import type { Conversations, VisitorActor } from './conversations.js';
import type { Sites } from './sites.js';
import type { Summaries } from './summaries.js';

/** A visitor's `lastSeenAt` is rewritten at `hello` only when older than this. */
const LAST_SEEN_GRAIN_MS = 60_000;

export interface SessionRequest {
  /** The visitor of an earlier session's token, when it was for this site. */
  priorVisitorId: string | null;
  user: VisitorUser | undefined;
  /** The identity hash matched (checked by the transport with the site secret). */
  verified: boolean;
}

export interface VisitorWelcome {
  /** The visitor row as of this hello (`lastSeenAt` refreshed). */
  visitor: VisitorRecord;
  /** Their latest conversations, newest first (`welcome` summarises these). */
  conversations: ConversationRecord[];
  welcome: VisitorWelcomeFrame;
}

export class Sessions {
  constructor(
    private readonly storage: Storage,
    private readonly sites: Sites,
    private readonly agents: Agents,
    private readonly conversations: Conversations,
    private readonly summaries: Summaries,
  ) {}

  /** `POST /api/visitor/session`: the visitor this session is for, created when needed. */
  async start(site: SiteRecord, req: SessionRequest): Promise<VisitorRecord> {
    const now = Date.now();
    let visitor: VisitorRecord | null = null;
    /** Created by this request: a new id has no block to look up (most sessions). */
    let fresh = false;
    if (req.priorVisitorId !== null) {
      const v = await this.storage.getVisitor(req.priorVisitorId);
      if (v && v.siteId === site.id) visitor = v;
    }
    const user = req.user;
    if (req.verified && user) {
      const known = await this.storage.findVisitorByExternalId(site.id, user.id);
      const patch = {
        verified: true,
        lastSeenAt: now,
        ...(user.name !== undefined ? { name: user.name } : {}),
        ...(user.email !== undefined ? { email: user.email } : {}),
      };
      if (known) {
        visitor = await this.storage.updateVisitor(known.id, patch);
      } else if (visitor && visitor.externalId === null) {
        // The anonymous visitor signed in on the shop: keep their conversation, attach the identity.
        visitor = await this.storage.updateVisitor(visitor.id, { ...patch, externalId: user.id });
      } else {
        visitor = null;
        const created: VisitorRecord = {
          id: newId('v'),
          siteId: site.id,
          externalId: user.id,
          name: user.name ?? null,
          email: user.email ?? null,
          verified: true,
          attributes: {},
          createdAt: now,
          lastSeenAt: now,
        };
        await this.storage.createVisitor(created);
        visitor = created;
        fresh = true;
      }
    } else if (visitor?.verified) {
      // A verified identity is only continued with its hash (shared devices, signed-out users).
      visitor = null;
    }
    if (!visitor) {
      visitor = {
        id: newId('v'),
        siteId: site.id,
        externalId: null,
        name: user?.name ?? null,
        email: user?.email ?? null,
        verified: false,
        attributes: {},
        createdAt: now,
        lastSeenAt: now,
      };
      await this.storage.createVisitor(visitor);
      fresh = true;
    } else if (!req.verified && user && (user.name !== undefined || user.email !== undefined)) {
      visitor =
        (await this.storage.updateVisitor(visitor.id, {
          ...(user.name !== undefined ? { name: user.name } : {}),
          ...(user.email !== undefined ? { email: user.email } : {}),
          lastSeenAt: now,
        })) ?? visitor;
    }
    if (!fresh && (await this.storage.getBlock(visitor.id))) {
      throw sbError(ErrorCode.Forbidden, 'This visitor is blocked on this site');
    }
    return visitor;
  }

  /** A visitor's `hello`: the `welcome` frame and the conversations it summarises. */
  async visitorWelcome(current: VisitorRecord, siteId: string): Promise<VisitorWelcome> {
    const vid = current.id;
    // `lastSeenAt` has a one-minute grain: a visitor whose session request (or previous hello)
    // stamped it less than a minute ago costs no write here — the common case of a first connect.
    const now = Date.now();
    const visitor =
      now - current.lastSeenAt < LAST_SEEN_GRAIN_MS
        ? current
        : ((await this.storage.updateVisitor(vid, { lastSeenAt: now })) ?? current);
    const conversations = await this.storage.listVisitorConversations(vid, 20);
    const summaries = await Promise.all(conversations.map((c) => this.summaries.summary(c, visitor)));
    const welcome: VisitorWelcomeFrame = {
      type: 'welcome',
      v: PROTOCOL_VERSION,
      role: 'visitor',
      visitorId: vid,
      conversations: summaries,
      site: await this.sites.config(siteId),
    };
    return { visitor, conversations, welcome };
  }

  /** The conversations among `ids` that belong to the agent's site (their `hello` cursors). */
  async agentCursorConversations(agent: AgentRecord, ids: readonly string[]): Promise<ConversationRecord[]> {
    const found = await Promise.all(ids.map((id) => this.conversations.get(id)));
    return found.filter((c): c is ConversationRecord => c !== null && c.siteId === agent.siteId);
  }

  /** An agent's `hello`: their info, the site's open conversations, agents and departments. */
  async agentWelcome(a: AgentRecord): Promise<AgentWelcomeFrame> {
    const [agents, open, site] = await Promise.all([
      this.storage.listAgents(a.siteId),
      this.storage.listOpenConversations(a.siteId),
      this.sites.get(a.siteId),
    ]);
    const summaries = [];
    for (const c of open) if (seesConversation(a, c)) summaries.push(await this.summaries.summary(c));
    return {
      type: 'welcome',
      v: PROTOCOL_VERSION,
      role: 'agent',
      // With their departments: the console lists what they see by the same rule.
      agent: { ...this.agents.info(a), departments: a.departments },
      conversations: summaries,
      // The team: members who can work (not deactivated, not only invited).
      agents: agents.filter((x) => x.active && x.passwordHash !== '').map((x) => this.agents.info(x)),
      departments: site?.departments ?? [],
    };
  }

  /** Pre-chat answers / setAttributes: stored and shown to agents. */
  async profile(
    v: VisitorActor,
    patch: { name?: string; email?: string; attributes?: Record<string, string> },
  ): Promise<VisitorRecord> {
    const cur = await this.storage.getVisitor(v.visitorId);
    if (!cur) throw sbError(ErrorCode.NotFound, 'No such visitor');
    const attributes = { ...cur.attributes, ...(patch.attributes ?? {}) };
    if (Object.keys(attributes).length > 50)
      throw sbError(ErrorCode.BadFrame, 'At most 50 attributes per visitor');
    const next = await this.storage.updateVisitor(v.visitorId, {
      // A verified identity keeps the name and email the shop vouched for.
      name: patch.name !== undefined && !cur.verified ? patch.name.trim() || null : cur.name,
      email: patch.email !== undefined && !cur.verified ? patch.email.trim() || null : cur.email,
      attributes,
      lastSeenAt: Date.now(),
    });
    if (!next) throw sbError(ErrorCode.NotFound, 'No such visitor');
    const current = await this.conversations.current(v.visitorId);
    if (current) this.summaries.touch(current, true);
    return next;
  }
}
