import type { ApiCanned } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { request } from '../client/api.js';
import { $session } from './session.js';

/**
 * The canned responses the signed-in agent may insert (the site's and their own), or null
 * before the first load. Fetched when the reply box first asks for them, and again each time
 * the list opens, so an admin's edit shows up without a reload.
 */
export const $canned = atom<ApiCanned[] | null>(null);

let inFlight: Promise<void> | null = null;

export function loadCanned(): Promise<void> {
  const session = $session.get();
  if (!session) return Promise.resolve();
  if (inFlight) return inFlight;
  const site = encodeURIComponent(session.agent.siteId);
  inFlight = request<ApiCanned[]>(`/api/v1/sites/${site}/canned`, {
    method: 'GET',
    headers: { authorization: `Bearer ${session.token}` },
  })
    .then(
      (list) => {
        if ($session.get()?.epoch === session.epoch) $canned.set(list);
      },
      () => {
        // Offline or refused: keep what we had (an empty list the first time).
        if (!$canned.get()) $canned.set([]);
      },
    )
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

// Another account or site: another list.
$session.listen(() => $canned.set(null));
