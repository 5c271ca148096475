import { $agents, upsertAgent } from '../stores/agents.js';
import { resetStores } from '../stores/index.js';
import { $session, type Session, setSession, updateAgent } from '../stores/session.js';
import { showToast } from '../stores/toasts.js';
import { adminErrorText, meApi } from './admin-api.js';
import { startClient, stopClient } from './client.js';

/** The signed-in agent's own account: display name, password, active site. */

export async function renameMe(name: string): Promise<void> {
  const me = await meApi.patch({ name });
  updateAgent(me);
  const live = $agents.get()[me.id];
  if (live) upsertAgent({ ...live, name: me.name }); // the top bar shows the socket's view of us
}

/** The server signs every other session out and answers with a new token: the console reconnects on it. */
export async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
  const before = $session.get();
  // Our own socket carries the old token: stop it first, or its 4401 would sign us out.
  stopClient();
  try {
    connectOn(await meApi.changePassword({ oldPassword, newPassword }));
  } catch (e) {
    if (before && $session.get()?.token === before.token) startClient(before);
    throw e;
  }
}

/** Another session (another site, an invitation accepted): nothing of the old one is kept. */
export function replaceSession(next: Session): void {
  stopClient();
  resetStores();
  connectOn(next);
}

/** App restarts the client on every new sign-in (the session's epoch). */
function connectOn(next: Session): void {
  setSession(next);
}

/** Sign in to another site of ours. Resolves false when refused. */
export async function switchSite(site: string): Promise<boolean> {
  if (site === $session.get()?.agent.siteId) return true;
  try {
    replaceSession(await meApi.switchSite({ site }));
    return true;
  } catch (e) {
    showToast(`Could not switch site: ${adminErrorText(e)}`, 'error');
    return false;
  }
}
