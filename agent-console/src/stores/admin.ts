import type { AdminAgent, AdminSite } from '@switchboard/protocol';
import { atom } from 'nanostores';

/** The active site as its admins see it (Settings › Site); null until loaded. */
export const $adminSite = atom<AdminSite | null>(null);

/** The site's members (Settings › Agents), in the server's order; null until loaded. */
export const $adminAgents = atom<readonly AdminAgent[] | null>(null);

export function upsertAdminAgent(agent: AdminAgent): void {
  const list = $adminAgents.get() ?? [];
  const at = list.findIndex((a) => a.id === agent.id);
  $adminAgents.set(at === -1 ? [...list, agent] : list.map((a, i) => (i === at ? agent : a)));
}

export function resetAdmin(): void {
  $adminSite.set(null);
  $adminAgents.set(null);
}
