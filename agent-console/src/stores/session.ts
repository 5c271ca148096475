import type { AgentInfo, SiteMembership } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { readJson, writeJson } from '../lib/storage.js';

/** The signed-in agent: the JWT for REST and the socket, who we are, and our sites. */
export interface Session {
  token: string;
  agent: AgentInfo;
  /** Every site the agent is an active member of (the "Site" switch); the active one is `agent.siteId`. */
  sites: SiteMembership[];
}

const STORAGE_KEY = 'switchboard.console.session';

/** A session stored by an older console has no `sites`: treat it as a single-site membership. */
function restore(): Session | null {
  const stored = readJson<Partial<Session>>(STORAGE_KEY);
  if (!stored?.token || !stored.agent) return null;
  return { token: stored.token, agent: stored.agent, sites: stored.sites ?? [] };
}

export const $session = atom<Session | null>(restore());

/** Why the agent was sent back to the sign-in page (shown there), if not by choice. */
export const $signOutReason = atom<string | null>(null);

/** What the sign-in page says when the server ended the session (deactivated, password changed elsewhere). */
export const SESSION_ENDED = 'Your account was deactivated or your session ended. Sign in again.';

export function setSession(session: Session): void {
  const value: Session = { token: session.token, agent: session.agent, sites: session.sites };
  writeJson(STORAGE_KEY, value);
  $signOutReason.set(null);
  $session.set(value);
}

/** The same session with another view of ourselves (a new display name); the token does not change. */
export function updateAgent(agent: AgentInfo): void {
  const current = $session.get();
  if (current) setSession({ ...current, agent });
}

export function clearSession(reason: string | null = null): void {
  writeJson(STORAGE_KEY, null);
  $signOutReason.set(reason);
  $session.set(null);
}
