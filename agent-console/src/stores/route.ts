import { atom } from 'nanostores';

/** The console's pages, addressed by the hash (`#/settings/agents`) so links and Back work. */
export type Route =
  | 'conversations'
  | 'settings/site'
  | 'settings/agents'
  | 'settings/integrations'
  | 'settings/canned'
  | 'settings/proactive'
  | 'settings/blocked'
  | 'settings/audit'
  | 'reports'
  | 'profile';

const ROUTES: readonly Route[] = [
  'conversations',
  'settings/site',
  'settings/agents',
  'settings/integrations',
  'settings/canned',
  'settings/proactive',
  'settings/blocked',
  'settings/audit',
  'reports',
  'profile',
];

export function routeFromHash(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  if (path === 'settings') return 'settings/site';
  return ROUTES.find((r) => r === path) ?? 'conversations';
}

export function hrefOf(route: Route): string {
  return route === 'conversations' ? '#/' : `#/${route}`;
}

export const $route = atom<Route>(routeFromHash(globalThis.location?.hash ?? ''));

/** Follow the address bar (links, Back/Forward); returns the unbinder. */
export function bindRoute(): () => void {
  const sync = () => $route.set(routeFromHash(window.location.hash));
  window.addEventListener('hashchange', sync);
  return () => window.removeEventListener('hashchange', sync);
}

export function navigate(route: Route): void {
  if (globalThis.location) globalThis.location.hash = hrefOf(route);
  $route.set(route);
}
