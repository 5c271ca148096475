import { atom } from '../store';

/**
 * idle: no socket wanted yet · connecting: (re)connecting · online: synced, live ·
 * down: still trying, but the server could not be reached (the panel offers "leave a
 * message") · offline: the browser is offline · unavailable: the server refused us for good (4403).
 */
export type ConnectionState = 'idle' | 'connecting' | 'down' | 'online' | 'offline' | 'unavailable';

export const $connection = atom<ConnectionState>('idle');
