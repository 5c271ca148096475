/**
 * Keyboard shortcuts of the console, as pure functions: which action a key press means, and
 * which conversation is next. `components/Shortcuts.tsx` applies them; a table test covers
 * every row.
 *
 * Single-key shortcuts (WCAG 2.1.4) act only when focus is not in a text field, and the
 * agent can turn them off in the `?` overlay; Escape in a text field gives the keys back.
 */
export type ShortcutAction = 'next' | 'previous' | 'reply' | 'claim' | 'close' | 'transfer' | 'help';

export interface Shortcut {
  keys: string[];
  action: ShortcutAction;
  label: string;
}

/** What the `?` overlay lists, in its order. */
export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ['j'], action: 'next', label: 'Next conversation' },
  { keys: ['k'], action: 'previous', label: 'Previous conversation' },
  { keys: ['r'], action: 'reply', label: 'Focus the reply box' },
  { keys: ['c'], action: 'claim', label: 'Claim the open conversation' },
  { keys: ['t'], action: 'transfer', label: 'Transfer the open conversation' },
  { keys: ['e'], action: 'close', label: 'Close the open conversation' },
  { keys: ['?'], action: 'help', label: 'Show these shortcuts' },
];

const BY_KEY = new Map(SHORTCUTS.flatMap((s) => s.keys.map((k) => [k, s.action] as const)));

export interface KeyPress {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  /** Focus is in a text field, a select or an editable element (typing, not commanding). */
  typing: boolean;
  /** A modal dialog is open (its own keys win). */
  inDialog: boolean;
  repeat: boolean;
}

/** The action a key press means, or null (let the browser have it). */
export function shortcutOf(e: KeyPress, enabled: boolean): ShortcutAction | null {
  if (!enabled || e.typing || e.inDialog || e.repeat || e.altKey || e.ctrlKey || e.metaKey) return null;
  return BY_KEY.get(e.key) ?? null;
}

/** Focus is somewhere keys type text: inputs that take text, textareas, selects, contenteditable. */
export function isTyping(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLElement && el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(
    type,
  );
}

/**
 * The conversation `delta` steps from `current` in the inbox's order (queue, then mine, then
 * the team's), wrapping around; the first (or last) one when none is open or it left the list.
 */
export function neighbour(ids: readonly string[], current: string | null, delta: 1 | -1): string | null {
  if (!ids.length) return null;
  const at = current ? ids.indexOf(current) : -1;
  if (at < 0) return delta > 0 ? ids[0]! : ids[ids.length - 1]!;
  return ids[(at + delta + ids.length) % ids.length]!;
}
