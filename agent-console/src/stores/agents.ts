import type { AgentInfo } from '@switchboard/protocol';
import { computed, map } from 'nanostores';
import { $session } from './session.js';

/** Agents of the site with their presence, by id. */
export const $agents = map<Record<string, AgentInfo>>({});

export function setAgents(list: readonly AgentInfo[]): void {
  $agents.set(Object.fromEntries(list.map((a) => [a.id, a])));
}

export function upsertAgent(agent: AgentInfo): void {
  $agents.setKey(agent.id, agent);
}

/** The signed-in agent as the server last described them (presence included). */
export const $me = computed([$session, $agents], (session, agents) =>
  session ? (agents[session.agent.id] ?? session.agent) : null,
);

const statusRank = { online: 0, away: 1, offline: 2 } as const;

/** Everyone else, online first, then by name: transfer targets and the team list. */
export const $teammates = computed([$session, $agents], (session, agents) =>
  Object.values(agents)
    .filter((a) => a.id !== session?.agent.id)
    .sort((a, b) => statusRank[a.status] - statusRank[b.status] || a.name.localeCompare(b.name)),
);
