import { describe, expect, it } from 'vitest';
import { awayStep } from '../src/lib/away.js';
import { watching } from '../src/lib/notify.js';

describe('awayStep', () => {
  const base = { status: 'online' as const, idleMs: 0, limitMin: 10, autoAway: false, active: false };
  it.each([
    ['idle past the limit: away', { idleMs: 600_000 }, 'away'],
    ['idle just under the limit: nothing', { idleMs: 599_999 }, null],
    ['never (0): nothing', { idleMs: 9e9, limitMin: 0 }, null],
    ['already away by choice: nothing', { status: 'away', idleMs: 9e9 }, null],
    ['offline: nothing', { status: 'offline', idleMs: 9e9 }, null],
    ['back after an automatic away: online', { status: 'away', autoAway: true, active: true }, 'online'],
    ['back, but away by choice: stays away', { status: 'away', autoAway: false, active: true }, null],
    ['activity while online: nothing', { active: true }, null],
  ] as const)('%s', (_what, over, step) => {
    expect(awayStep({ ...base, ...over })).toBe(step);
  });
});

describe('watching', () => {
  it.each([
    [false, 'c1', true],
    [true, 'c1', false], // tab hidden
    [false, 'c2', false], // another conversation open
    [false, null, false], // none open
  ] as const)('hidden=%s active=%s → %s', (hidden, active, looking) => {
    expect(watching('c1', hidden, active)).toBe(looking);
  });
});
