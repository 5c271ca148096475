import { map } from 'nanostores';

/** Visitor presence from `visitor` frames, by visitor id (absent = not known yet). */
export const $visitorOnline = map<Record<string, boolean>>({});
