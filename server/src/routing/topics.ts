/**
 * Topics and "who receives which frame" — pure functions of a conversation's state.
 *
 * - a visitor's sockets: `visitor:<id>` (their messages, typing, read, conversation) and
 *   `site:<id>:visitors` (agent presence);
 * - every agent socket of a site: `site:<id>:agents` (conversation state changes, queue
 *   previews, presence, visitor online) and `agent:<id>` (everything of the conversations
 *   assigned to them); admins also `site:<id>:admins` (last-message updates of assigned
 *   conversations, for supervision);
 * - agent sockets that `open`ed a conversation: `conv:<id>`.
 */
export const Topic = {
  conversation: (id: string) => `conv:${id}`,
  visitor: (id: string) => `visitor:${id}`,
  agent: (id: string) => `agent:${id}`,
  siteAgents: (siteId: string) => `site:${siteId}:agents`,
  /** Admin agent sockets of a site (they supervise others' conversations). */
  siteAdmins: (siteId: string) => `site:${siteId}:admins`,
  siteVisitors: (siteId: string) => `site:${siteId}:visitors`,
} as const;

export interface TopicView {
  id: string;
  siteId: string;
  visitorId: string;
  agentId: string | null;
}

function agentSide(conv: TopicView, extraAgentIds: readonly (string | null)[]): string[] {
  const topics = [Topic.conversation(conv.id)];
  const seen = new Set<string>();
  for (const a of [conv.agentId, ...extraAgentIds]) {
    if (a === null || seen.has(a)) continue;
    seen.add(a);
    topics.push(Topic.agent(a));
  }
  return topics;
}

/** `message` frames (and an agent's typing / read): the visitor, the assignee, and agents watching it. */
export function messageTopics(conv: TopicView, extraAgentIds: readonly (string | null)[] = []): string[] {
  return [Topic.visitor(conv.visitorId), ...agentSide(conv, extraAgentIds)];
}

/** `note` frames and the visitor's typing: agents only (the assignee and agents watching it). */
export function agentSideTopics(conv: TopicView, extraAgentIds: readonly (string | null)[] = []): string[] {
  return agentSide(conv, extraAgentIds);
}

/** `conversation` frames for a state change: every agent of the site, and the visitor. */
export function summaryTopics(conv: TopicView): string[] {
  return [Topic.siteAgents(conv.siteId), Topic.visitor(conv.visitorId)];
}

/** `presence` frames: agents see each other; visitors learn whether anyone is online. */
export function presenceTopics(siteId: string): { agents: string; visitors: string } {
  return { agents: Topic.siteAgents(siteId), visitors: Topic.siteVisitors(siteId) };
}

/** Message sender key for `(sender, cid)` idempotency. */
export const Sender = {
  visitor: (id: string) => `v:${id}`,
  agent: (id: string) => `a:${id}`,
} as const;
