import { atom } from '../store';

/** Whether the chat panel is open. */
export const $open = atom(false);
