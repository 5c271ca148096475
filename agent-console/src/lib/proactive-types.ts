// The admin REST types of proactive messages: the protocol's (one source of truth for wire types).
import type { ApiProactiveRule } from '@switchboard/protocol';

export type { ApiProactiveRule };
export type ProactiveTrigger = ApiProactiveRule['trigger'];
/** What the dialog edits and sends: a rule without its id and creation time. */
export type ApiProactiveRuleInput = Omit<ApiProactiveRule, 'id' | 'createdAt'>;
