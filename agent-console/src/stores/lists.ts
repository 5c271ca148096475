import { type ConversationSummary, queueOrder } from '@switchboard/protocol';
import { computed } from 'nanostores';
import { $conversations } from './conversations.js';
import { $session } from './session.js';

/**
 * Waiting conversations in the server's queue order: those placed at the front (transferred to a
 * department, or put back when their agent went away) first, then first come, first served.
 */
export const $queue = computed($conversations, (all) =>
  Object.values(all)
    .filter((c) => c.status === 'queued')
    .sort(queueOrder),
);

const byRecent = (a: ConversationSummary, b: ConversationSummary) =>
  latestAt(b) - latestAt(a) || b.updatedAt - a.updatedAt;

function latestAt(c: ConversationSummary): number {
  return c.lastMessage?.at ?? c.createdAt;
}

/** Open conversations assigned to the signed-in agent, most recent activity first. */
export const $mine = computed([$conversations, $session], (all, session) =>
  Object.values(all)
    .filter((c) => c.status === 'assigned' && c.agent?.id === session?.agent.id)
    .sort(byRecent),
);

/** Open conversations assigned to someone else: admins supervise them. */
export const $teamConversations = computed([$conversations, $session], (all, session) =>
  session?.agent.role === 'admin'
    ? Object.values(all)
        .filter((c) => c.status === 'assigned' && c.agent?.id !== session.agent.id)
        .sort(byRecent)
    : [],
);
