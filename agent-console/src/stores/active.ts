import { atom } from 'nanostores';
import { readJson, writeJson } from '../lib/storage.js';

const STORAGE_KEY = 'switchboard.console.active';

/** The conversation shown in the center pane, if any (kept per tab across reloads). */
export const $activeId = atom<string | null>(readJson<string>(STORAGE_KEY, 'session'));

$activeId.listen((id) => writeJson(STORAGE_KEY, id, 'session'));
