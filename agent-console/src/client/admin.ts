import type {
  AdminAgent,
  AdminSitePatch,
  AgentPatchRequest,
  CreateAgentRequest,
  CreateAgentResponse,
  SiteSecretResponse,
} from '@switchboard/protocol';
import { $adminAgents, $adminSite, upsertAdminAgent } from '../stores/admin.js';
import { $agents } from '../stores/agents.js';
import { $departments } from '../stores/departments.js';
import { $session } from '../stores/session.js';
import { adminApi } from './admin-api.js';

/** Admin actions on the active site: each updates the admin stores with the server's answer. */
function activeSite(): string {
  const site = $session.get()?.agent.siteId;
  if (!site) throw new Error('not signed in');
  return site;
}

export async function loadSite(): Promise<void> {
  $adminSite.set(await adminApi.site(activeSite()));
}

export async function saveSite(patch: AdminSitePatch): Promise<void> {
  const site = await adminApi.patchSite(activeSite(), patch);
  $adminSite.set(site);
  $departments.set(site.departments); // transfer targets and pickers follow at once
}

/** A new secret (shown once); the old one keeps verifying until `previousSecretUntil`. */
export async function rotateSecret(): Promise<SiteSecretResponse> {
  const rotated = await adminApi.rotateSecret(activeSite());
  const site = $adminSite.get();
  if (site) $adminSite.set({ ...site, previousSecretUntil: rotated.previousSecretUntil });
  return rotated;
}

export async function loadAgents(): Promise<void> {
  $adminAgents.set(await adminApi.agents(activeSite()));
}

export async function inviteAgent(body: CreateAgentRequest): Promise<CreateAgentResponse> {
  const created = await adminApi.createAgent(activeSite(), body);
  upsertAdminAgent(created.agent);
  return created;
}

export async function patchAgent(agentId: string, patch: AgentPatchRequest): Promise<AdminAgent> {
  const agent = await adminApi.patchAgent(activeSite(), agentId, patch);
  upsertAdminAgent(agent);
  return agent;
}

/**
 * While Settings › Agents is open: an invitee who joins (or an agent added elsewhere) shows up
 * on the socket as a `presence` of an agent the list does not know as active; reload the list then.
 */
export function followTeam(): () => void {
  let loading = false;
  return $agents.listen((agents) => {
    const listed = $adminAgents.get();
    if (!listed || loading) return;
    const known = new Map(listed.map((a) => [a.id, a]));
    const stale = Object.keys(agents).some((id) => {
      const a = known.get(id);
      return !a || a.invited;
    });
    if (!stale) return;
    loading = true;
    loadAgents()
      .catch(() => {}) // the next presence tries again; the list stays as it was
      .finally(() => {
        loading = false;
      });
  });
}
