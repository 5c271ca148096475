import type { AgentInfo, SiteMembership } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { readJson, writeJson } from '../lib/storage.js';

/**
 * The signed-in agent: the short-lived access token for REST and the socket (kept in memory
 * only: the refresh cookie, which script cannot read, brings the session back after a reload),
 * who we are, and our sites. `epoch` changes with each sign-in, not when the token is renewed:
 * the socket restarts on a new sign-in only.
 */
export interface Session {
  token: string;
  agent: AgentInfo;
  /** Every site the agent is an active member of (the "Site" switch); the active one is `agent.siteId`. */
  sites: SiteMembership[];
  epoch?: number;
}

/** Where an older console kept the whole session, token included: removed at start. */
const LEGACY_KEY = 'switchboard.console.session';
if (readJson<unknown>(LEGACY_KEY) !== null) writeJson(LEGACY_KEY, null);

export const $session = atom<Session | null>(null);

/** True until the first refresh answered (the console then knows whether it is signed in). */
export const $restoring = atom(true);

let epochs = 0;

/** Why the agent was sent back to the sign-in page (shown there), if not by choice. */
export const $signOutReason = atom<string | null>(null);

/** What the sign-in page says when the server ended the session (deactivated, password changed elsewhere). */
export const SESSION_ENDED = 'Your account was deactivated or your session ended. Sign in again.';

/** A new sign-in (login, setup, invitation, password change, another site): the socket restarts. */
export function setSession(session: Session): void {
  $signOutReason.set(null);
  $restoring.set(false);
  $session.set({ token: session.token, agent: session.agent, sites: session.sites, epoch: ++epochs });
}

/** The same session with a renewed token (and the server's current view of us): nothing restarts. */
export function renewSession(next: Omit<Session, 'epoch'>): void {
  const current = $session.get();
  if (current) $session.set({ ...current, token: next.token, agent: next.agent, sites: next.sites });
}

/** The same session with another view of ourselves (a new display name); the token does not change. */
export function updateAgent(agent: AgentInfo): void {
  const current = $session.get();
  if (current) $session.set({ ...current, agent });
}

export function clearSession(reason: string | null = null): void {
  $signOutReason.set(reason);
  $restoring.set(false);
  $session.set(null);
}
