/**
 * Topics and "who receives which frame" — pure functions of a conversation's state.
 *
 * - a visitor's sockets: `visitor:<id>` (their messages, typing, read, conversation) and
 *   `site:<id>:visitors` (agent presence);
 * - every agent socket of a site: `site:<id>:agents` (presence, visitor online, visits, and
 *   conversations without a department) and `agent:<id>` (everything of the conversations
 *   assigned to them); admins also `site:<id>:admins` (last-message updates of assigned
 *   conversations, for supervision);
 * - conversations of a department go to `site:<id>:all` (admins, and agents without
 *   departments: they take every department) and `site:<id>:dept:<name>` (its members) —
 *   agents see their departments' queues (protocol `seesConversation`, the rule of `canTake`);
 * - agent sockets that `open`ed a conversation: `conv:<id>`.
 */
import type { QueueViewer } from '@switchboard/protocol';

export const Topic = {
  conversation: (id: string) => `conv:${id}`,
  visitor: (id: string) => `visitor:${id}`,
  agent: (id: string) => `agent:${id}`,
  siteAgents: (siteId: string) => `site:${siteId}:agents`,
  /** Admin agent sockets of a site (they supervise others' conversations). */
  siteAdmins: (siteId: string) => `site:${siteId}:admins`,
  siteVisitors: (siteId: string) => `site:${siteId}:visitors`,
  /** Every department's conversations: admins and agents without departments. */
  siteAll: (siteId: string) => `site:${siteId}:all`,
  /** One department's conversations: its members. */
  siteDepartment: (siteId: string, department: string) => `site:${siteId}:dept:${department}`,
} as const;

/** Who an agent is, for what they see (`seesConversation` in protocol is the rule). */
export interface Viewer extends QueueViewer {
  siteId: string;
}

/** The conversation topics an agent socket subscribes to (besides its own and the site's). */
export function viewerTopics(viewer: Viewer): string[] {
  return viewer.role === 'admin' || viewer.departments.length === 0
    ? [Topic.siteAll(viewer.siteId)]
    : viewer.departments.map((d) => Topic.siteDepartment(viewer.siteId, d));
}

/** Where a conversation's summary goes on the agents' side: everyone who sees it. */
export function scopeTopics(conv: {
  siteId: string;
  department: string | null;
  agentId: string | null;
}): string[] {
  if (conv.department === null) return [Topic.siteAgents(conv.siteId)];
  const topics = [Topic.siteAll(conv.siteId), Topic.siteDepartment(conv.siteId, conv.department)];
  if (conv.agentId !== null) topics.push(Topic.agent(conv.agentId));
  return topics;
}

export interface TopicView {
  id: string;
  siteId: string;
  visitorId: string;
  agentId: string | null;
}

/** Who saw a conversation before a change (they hear that it left them). */
export interface PreviousScope {
  department: string | null;
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

/**
 * `conversation` frames for a state change: the agents who see it now and those who saw it
 * before (a transfer to another department or agent takes it out of their lists), and the visitor.
 */
export function summaryTopics(
  conv: TopicView & { department: string | null },
  before: readonly PreviousScope[] = [],
): string[] {
  const topics = new Set([...scopeTopics(conv), Topic.visitor(conv.visitorId)]);
  for (const b of before) {
    for (const t of scopeTopics({ siteId: conv.siteId, ...b })) topics.add(t);
    if (b.agentId !== null) topics.add(Topic.agent(b.agentId));
  }
  return [...topics];
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
