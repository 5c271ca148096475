import { atom } from '../store';

/**
 * idle: no socket wanted yet · connecting: (re)connecting · online: synced, live ·
 * offline: the browser is offline · unavailable: the server refused us for good (4403).
 */
export type ConnectionState = 'idle' | 'connecting' | 'online' | 'offline' | 'unavailable';

export const $connection = atom<ConnectionState>('idle');
