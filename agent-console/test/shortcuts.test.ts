import { describe, expect, it } from 'vitest';
import { type KeyPress, neighbour, SHORTCUTS, shortcutOf } from '../src/lib/shortcuts.js';

const press = (key: string, over: Partial<KeyPress> = {}): KeyPress => ({
  key,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  typing: false,
  inDialog: false,
  repeat: false,
  ...over,
});

describe('shortcutOf', () => {
  it.each([
    ['j', {}, true, 'next'],
    ['k', {}, true, 'previous'],
    ['r', {}, true, 'reply'],
    ['c', {}, true, 'claim'],
    ['t', {}, true, 'transfer'],
    ['e', {}, true, 'close'],
    ['?', {}, true, 'help'],
    ['x', {}, true, null],
    ['J', {}, true, null], // Shift+J is not j: caps lock must not close conversations
    ['j', { typing: true }, true, null], // typing "j" in the reply box is a letter
    ['e', { inDialog: true }, true, null],
    ['c', { ctrlKey: true }, true, null], // Ctrl+C copies
    ['r', { metaKey: true }, true, null], // Cmd+R reloads
    ['j', { altKey: true }, true, null],
    ['j', { repeat: true }, true, null], // a held key does not race down the list
    ['j', {}, false, null], // turned off in the overlay
    ['?', {}, false, null],
  ] as const)('%s %o enabled=%s → %s', (key, over, enabled, action) => {
    expect(shortcutOf(press(key, over), enabled)).toBe(action);
  });

  it('every listed shortcut maps to its action and no key is listed twice', () => {
    const keys = SHORTCUTS.flatMap((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of SHORTCUTS) for (const k of s.keys) expect(shortcutOf(press(k), true)).toBe(s.action);
  });
});

describe('neighbour', () => {
  const ids = ['q1', 'm1', 'm2'];
  it.each([
    [null, 1, 'q1'],
    [null, -1, 'm2'],
    ['q1', 1, 'm1'],
    ['m2', 1, 'q1'], // wraps
    ['q1', -1, 'm2'],
    ['gone', 1, 'q1'], // the open one left the list (closed, transferred)
  ] as const)('from %s by %d → %s', (current, delta, next) => {
    expect(neighbour(ids, current, delta)).toBe(next);
  });
  it('an empty inbox has no neighbour', () => {
    expect(neighbour([], 'q1', 1)).toBeNull();
  });
});
