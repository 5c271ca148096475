/**
 * Automatic assignment, as pure decisions: who of the site's agents takes a waiting
 * conversation. An agent can take it when they are online, under their capacity ("max chats";
 * none = no limit) and in its department (an agent without departments takes every one);
 * of those the least busy wins, and on a tie the one whose last assignment is the oldest
 * (round robin), then the smallest id (a stable order for tests and for two nodes).
 */

export interface Candidate {
  agentId: string;
  online: boolean;
  /** Conversations assigned to them now. */
  load: number;
  capacity: number | null;
  departments: readonly string[];
  /** When they were last given a conversation (0: never). */
  lastAssignedAt: number;
}

export interface Waiting {
  conversationId: string;
  department: string | null;
}

export function canTake(c: Candidate, department: string | null): boolean {
  if (!c.online) return false;
  if (c.capacity !== null && c.load >= c.capacity) return false;
  return department === null || c.departments.length === 0 || c.departments.includes(department);
}

export function pickAgent(candidates: readonly Candidate[], department: string | null): Candidate | null {
  let best: Candidate | null = null;
  for (const c of candidates) {
    if (!canTake(c, department)) continue;
    if (
      !best ||
      c.load < best.load ||
      (c.load === best.load &&
        (c.lastAssignedAt < best.lastAssignedAt ||
          (c.lastAssignedAt === best.lastAssignedAt && c.agentId < best.agentId)))
    ) {
      best = c;
    }
  }
  return best;
}

/**
 * Assignments for a queue, oldest first: each pick raises that agent's load (and moves them to
 * the back of the round robin) before the next. A conversation nobody can take waits; later
 * ones of other departments may still be assigned.
 */
export function planAssignments(
  queue: readonly Waiting[],
  candidates: readonly Candidate[],
  now: number,
): Array<{ conversationId: string; agentId: string }> {
  const pool = candidates.map((c) => ({ ...c }));
  const out: Array<{ conversationId: string; agentId: string }> = [];
  let tick = now;
  for (const w of queue) {
    const agent = pickAgent(pool, w.department);
    if (!agent) continue;
    agent.load += 1;
    agent.lastAssignedAt = ++tick;
    out.push({ conversationId: w.conversationId, agentId: agent.agentId });
  }
  return out;
}

export type RoutingMode = 'manual' | 'auto';

/**
 * How a waiting conversation is routed: its department's own mode when the site sets one,
 * else the site's (a conversation without a department follows the site).
 */
export function routingModeOf(
  site: { assignment?: RoutingMode; departmentAssignment?: Readonly<Record<string, RoutingMode>> },
  department: string | null,
): RoutingMode {
  const own = department === null ? undefined : site.departmentAssignment?.[department];
  return own ?? site.assignment ?? 'manual';
}

/** Whether anything of the site is routed automatically (the planner runs only then). */
export function anyAuto(site: {
  assignment?: RoutingMode;
  departmentAssignment?: Readonly<Record<string, RoutingMode>>;
}): boolean {
  return site.assignment === 'auto' || Object.values(site.departmentAssignment ?? {}).includes('auto');
}
