import { atom } from 'nanostores';

/**
 * The agent socket's state, as the agent should see it:
 * - `connecting`: socket opening or `hello` sent, waiting for the replay to finish;
 * - `live`: `synced` received, live traffic flowing;
 * - `waiting`: dropped, a reconnect is scheduled at `retryAt`;
 * - `offline`: the browser says there is no network (reconnects on `online`);
 * - `stopped`: will not reconnect by itself (forbidden / protocol mismatch).
 */
export type ConnectionPhase = 'idle' | 'connecting' | 'live' | 'waiting' | 'offline' | 'stopped';

export interface ConnectionState {
  phase: ConnectionPhase;
  /** Consecutive failed attempts since the last `synced`. */
  attempt: number;
  retryAt: number | null;
  detail: string | null;
}

export const initialConnection: ConnectionState = { phase: 'idle', attempt: 0, retryAt: null, detail: null };

export const $connection = atom<ConnectionState>(initialConnection);

export function setConnection(patch: Partial<ConnectionState>): void {
  $connection.set({ ...$connection.get(), ...patch });
}
