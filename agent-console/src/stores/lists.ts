import { type ConversationSummary, queueOrder, seesConversation } from '@switchboard/protocol';
import { computed } from 'nanostores';
import { $conversations } from './conversations.js';
import { $myDepartments } from './departments.js';
import { $session } from './session.js';

/**
 * Waiting conversations the agent sees (their departments', protocol `seesConversation`), in the server's queue order: those placed at the front (transferred to a
 * department, or put back when their agent went away) first, then first come, first served.
 */
export const $queue = computed([$conversations, $session, $myDepartments], (all, session, departments) =>
  Object.values(all)
    .filter(
      (c) =>
        c.status === 'queued' &&
        // What the agent sees (the server's rule): a conversation transferred out of their
        // departments is dropped here — its last frame still reached them.
        (!session ||
          seesConversation(
            { id: session.agent.id, role: session.agent.role, departments },
            { department: c.department, agentId: c.agent?.id ?? null },
          )),
    )
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
