import { atom } from 'nanostores';

/** The site's departments (from `welcome`): transfer targets and queue labels. */
export const $departments = atom<readonly string[]>([]);

/** The signed-in agent's own departments (from `welcome`; none: every department). */
export const $myDepartments = atom<readonly string[]>([]);
