import { atom } from 'nanostores';

/** The site's departments (from `welcome`): transfer targets and queue labels. */
export const $departments = atom<readonly string[]>([]);
