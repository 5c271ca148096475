import type { SiteConfig } from '@switchboard/protocol';
import { atom } from '../store';

/** The site's settings from the server (color, title, greeting…), once known. */
export const $site = atom<SiteConfig | null>(null);

/** Whether any agent of the site is online (welcome, then `presence` frames). */
export const $agentsOnline = atom(false);
