import type { AgentInfo } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { readJson, writeJson } from '../lib/storage.js';

/** The signed-in agent: the JWT for REST and the socket, and who we are. */
export interface Session {
  token: string;
  agent: AgentInfo;
}

const STORAGE_KEY = 'switchboard.console.session';

export const $session = atom<Session | null>(readJson<Session>(STORAGE_KEY));

/** Why the agent was sent back to the sign-in page (shown there), if not by choice. */
export const $signOutReason = atom<string | null>(null);

export function setSession(session: Session): void {
  writeJson(STORAGE_KEY, session);
  $signOutReason.set(null);
  $session.set(session);
}

export function clearSession(reason: string | null = null): void {
  writeJson(STORAGE_KEY, null);
  $signOutReason.set(reason);
  $session.set(null);
}
