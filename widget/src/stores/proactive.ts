import type { PublicProactiveRule } from '@switchboard/protocol';
import { atom } from '../store';
import { $conversation } from './conversation';

/**
 * The proactive message shown now (proactive.ts), until the conversation it starts is there:
 * `n` is 1 while it counts as unread (shown on a phone, panel not opened since).
 */
export const $proactive = atom<{ r: PublicProactiveRule; n: number } | null>(null);

// The conversation it started holds the proactive line (seq 1): the greeting goes back to the site's.
$conversation.listen((c) => c && $proactive.set(null));
