import { atom } from 'nanostores';

/**
 * How the console was opened: with the first-run setup link (`?setup=<token>`), an invitation
 * link (`?invite=<token>`), a password-reset link (`?reset=<token>`), or plainly. Read once from the address; `leaveEntry` drops the token
 * from the address (it must not stay in the history or be bookmarked) and shows the console.
 */
export type Entry =
  | { kind: 'setup'; token: string }
  | { kind: 'invite'; token: string }
  | { kind: 'reset'; token: string }
  | { kind: 'plain' };

export function entryFromSearch(search: string): Entry {
  const params = new URLSearchParams(search);
  const setup = params.get('setup');
  if (setup) return { kind: 'setup', token: setup };
  const invite = params.get('invite');
  if (invite) return { kind: 'invite', token: invite };
  const reset = params.get('reset');
  if (reset) return { kind: 'reset', token: reset };
  return { kind: 'plain' };
}

export const $entry = atom<Entry>(entryFromSearch(globalThis.location?.search ?? ''));

export function leaveEntry(): void {
  const { location, history } = globalThis;
  if (location && history && location.search) {
    history.replaceState(history.state, '', `${location.pathname}${location.hash}`);
  }
  $entry.set({ kind: 'plain' });
}
