import { atom } from '../store';

/** Name of the agent currently typing, or null. Cleared automatically if `off` never comes. */
export const $typing = atom<string | null>(null);

const STALE_MS = 8000;
let timer: ReturnType<typeof setTimeout> | undefined;

export function setTyping(name: string | null): void {
  clearTimeout(timer);
  $typing.set(name);
  if (name !== null) timer = setTimeout(() => $typing.set(null), STALE_MS);
}
