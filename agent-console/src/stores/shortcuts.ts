import { atom } from 'nanostores';
import { readJson, writeJson } from '../lib/storage.js';

const KEY = 'switchboard.console.shortcuts';

/** Single-key shortcuts on (the default) or off, per browser (the `?` overlay's checkbox). */
export const $shortcutsOn = atom<boolean>(readJson<boolean>(KEY) ?? true);
$shortcutsOn.listen((on) => writeJson(KEY, on));

/** The `?` overlay is open. */
export const $helpOpen = atom(false);

/** The conversation whose transfer dialog is open (the button or `t`). */
export const $transferFor = atom<string | null>(null);
