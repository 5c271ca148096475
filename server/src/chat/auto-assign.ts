/**
 * Automatic assignment for sites in `auto` mode: whenever something may let a waiting
 * conversation find an agent — a conversation queued (created, reopened, transferred or put back),
 * an agent coming online, a chat closing, an admin changing capacity or mode — the site's queue
 * is planned again (routing/assign.ts) and each pick is an ordinary atomic claim on the agent's
 * behalf. Runs of one site never overlap: in-process, and across nodes under the database lock
 * `assign:<site>`; a claim that loses a race (a manual claim, another node) is simply skipped.
 */

import { queueOrder } from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Hub } from '../hub.js';
import type { Presence } from '../presence.js';
import {
  anyAuto,
  type Candidate,
  estimatedWait,
  planAssignments,
  routingModeOf,
  Topic,
  WAIT_WINDOW_MS,
} from '../routing/index.js';
import type { AgentRecord, SiteRecord, Storage } from '../storage/types.js';
import type { Sites } from './sites.js';
import type { Summaries } from './summaries.js';
import type { Transitions } from './transitions.js';

/** How often at most the queue's places are told per site. */
const POSITIONS_EVERY_MS = 200;

export class AutoAssigner {
  /** Sites with a run in progress, and whether another was asked for meanwhile. */
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly lastAssignedAt = new Map<string, number>();
  /** Per site: the place each waiting conversation's visitor was last told, as `position@queuedAt`. */
  private readonly told = new Map<string, Map<string, string>>();
  /**
   * Per site: its recent average wait, and when it was read (one report query a minute at most,
   * and one more when a site without recent waits gets its first).
   */
  private readonly waits = new Map<string, { at: number; averageMs: number | null }>();
  private closed = false;
  /** Per site: the pending tell of the queue's places (see `tellPositionsSoon`). */
  private readonly positionTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly storage: Storage,
    private readonly sites: Sites,
    private readonly presence: Presence,
    private readonly transitions: Transitions,
    private readonly log: FastifyBaseLogger,
    private readonly hub: Hub,
    private readonly summaries: Summaries,
  ) {}

  /**
   * Plan the site's queue soon (coalesced: many triggers while a run goes make one more run).
   * `joined`: an agent just joined a conversation; a site that had no recent waits has one now,
   * so its average is read afresh (otherwise the minute's cached figure stands).
   */
  schedule(siteId: string, joined = false): void {
    if (this.closed) return;
    if (joined && this.waits.get(siteId)?.averageMs === null) this.waits.delete(siteId);
    const r = this.running.get(siteId);
    if (r) {
      r.again = true;
      return;
    }
    const state = { again: false, done: Promise.resolve() };
    this.running.set(siteId, state);
    state.done = (async () => {
      try {
        do {
          state.again = false;
          await this.run(siteId);
        } while (state.again && !this.closed);
      } catch (err) {
        this.log.error({ err, site: siteId }, 'automatic assignment failed');
      } finally {
        this.running.delete(siteId);
      }
    })();
  }

  /** A waiting visitor came (back): tell them their place again, even if it did not change. */
  retell(siteId: string, conversationId: string): void {
    this.told.get(siteId)?.delete(conversationId);
    this.schedule(siteId);
  }

  /** Resolves when no run is in progress for the site (tests). */
  async idle(siteId: string): Promise<void> {
    while (this.running.has(siteId)) await this.running.get(siteId)?.done;
  }

  private async run(siteId: string): Promise<void> {
    const site = await this.sites.get(siteId);
    if (site && anyAuto(site)) await this.assign(siteId, site);
    this.tellPositionsSoon(siteId);
  }

  /**
   * The waiting visitors' places, at most once per `POSITIONS_EVERY_MS` per site: telling them
   * reads the whole queue, so a burst of newcomers (5 000 visitors joining) costs one read per
   * window instead of one per newcomer, which made joining quadratic. A place is told within
   * that window.
   */
  private tellPositionsSoon(siteId: string): void {
    if (this.closed || this.positionTimers.has(siteId)) return;
    const timer = setTimeout(() => {
      this.positionTimers.delete(siteId);
      if (this.closed) return;
      this.tellPositions(siteId).catch((err: unknown) =>
        this.log.error({ err, site: siteId }, 'telling queue places failed'),
      );
    }, POSITIONS_EVERY_MS);
    timer.unref?.();
    this.positionTimers.set(siteId, timer);
  }

  /**
   * Every waiting visitor whose place in the queue changed hears it (a `conversation` frame
   * with `queuePosition`, and `queueWaitMs` when the site has recent waits, to them only). Each
   * department has its queue (no department: the general one), in protocol `queueOrder`.
   */
  private async tellPositions(siteId: string): Promise<void> {
    // Only the fields that decide a place, for the whole queue; whole rows only for the
    // visitors who hear something (on PostgreSQL one statement: reads of a turn are batched).
    const queue = (await this.storage.listQueue(siteId)).sort(queueOrder);
    // What each visitor was told, with when it entered the queue: back in a queue (a transfer,
    // put back) it hears its place again even if the number is the same.
    const before = this.told.get(siteId) ?? new Map<string, string>();
    const now = new Map<string, string>();
    const ahead = new Map<string | null, number>();
    const changed: { id: string; position: number }[] = [];
    for (const c of queue) {
      const position = (ahead.get(c.department) ?? 0) + 1;
      ahead.set(c.department, position);
      const told = `${position}@${c.queuedAt}`;
      now.set(c.id, told);
      if (before.get(c.id) !== told) changed.push({ id: c.id, position });
    }
    if (changed.length > 0) {
      const averageWait = await this.averageWait(siteId);
      const rows = await Promise.all(changed.map((c) => this.storage.getConversation(c.id)));
      for (const [i, { id, position }] of changed.entries()) {
        const c = rows[i];
        // Claimed or closed since the queue was read: nothing to tell, and told again if it comes back.
        if (c?.status !== 'queued') {
          now.delete(id);
          continue;
        }
        const summary = await this.summaries.summary(c);
        this.hub.publish([Topic.visitor(c.visitorId)], {
          type: 'conversation',
          conversation: { ...summary, queuePosition: position, ...estimatedWait(averageWait, position) },
        });
      }
    }
    // Only once told: a failure above leaves the previous state, so the next run tells again.
    if (now.size > 0) this.told.set(siteId, now);
    else this.told.delete(siteId);
  }

  /** The site's average wait over the last week (storage computes it: `siteReport`), cached a minute. */
  private async averageWait(siteId: string): Promise<number | null> {
    const now = Date.now();
    const cached = this.waits.get(siteId);
    if (cached && now - cached.at < 60_000) return cached.averageMs;
    const { waitMs } = await this.storage.siteReport({
      siteId,
      from: now - WAIT_WINDOW_MS,
      to: now,
      agentId: null,
      department: null,
    });
    this.waits.set(siteId, { at: now, averageMs: waitMs });
    return waitMs;
  }

  private async assign(siteId: string, site: SiteRecord): Promise<void> {
    await this.storage.exclusive(`assign:${siteId}`, async () => {
      const [open, members] = await Promise.all([
        this.storage.listOpenConversations(siteId),
        this.storage.listAgents(siteId),
      ]);
      const queue = open
        .filter((c) => c.status === 'queued' && routingModeOf(site, c.department) === 'auto')
        .sort(queueOrder)
        .map((c) => ({ conversationId: c.id, department: c.department }));
      if (queue.length === 0) return;
      const load = new Map<string, number>();
      for (const c of open)
        if (c.status === 'assigned' && c.agentId) load.set(c.agentId, (load.get(c.agentId) ?? 0) + 1);
      const agents = new Map<string, AgentRecord>();
      const candidates: Candidate[] = [];
      for (const a of members) {
        if (!a.active || a.passwordHash === '') continue;
        agents.set(a.id, a);
        candidates.push({
          agentId: a.id,
          online: this.presence.status(a.id) === 'online',
          load: load.get(a.id) ?? 0,
          capacity: a.maxChats,
          departments: a.departments,
          lastAssignedAt: this.lastAssignedAt.get(a.id) ?? 0,
        });
      }
      for (const pick of planAssignments(queue, candidates, Date.now())) {
        const agent = agents.get(pick.agentId);
        if (!agent || this.closed) continue;
        try {
          await this.transitions.claim(agent, {
            type: 'claim',
            cid: `auto:${pick.conversationId}`,
            conversationId: pick.conversationId,
          });
          this.lastAssignedAt.set(agent.id, Date.now());
        } catch (err) {
          // Claimed meanwhile (by hand, or closed): the next run plans with the fresh rows.
          this.log.debug(
            { err, conversationId: pick.conversationId },
            'automatic assignment skipped a conversation',
          );
        }
      }
    });
  }

  close(): void {
    this.closed = true;
    for (const t of this.positionTimers.values()) clearTimeout(t);
    this.positionTimers.clear();
  }
}
