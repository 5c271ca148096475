/** System lines: the structured `event` plus an English `text` (clients may localise from `event`). */
import type { SystemLine } from './types.js';

export const SystemLines = {
  joined(agentName: string): SystemLine {
    return { text: `${agentName} joined the conversation`, event: { kind: 'joined', agentName } };
  },
  transferredToAgent(agentName: string, department?: string | null): SystemLine {
    const event: SystemLine['event'] = { kind: 'transferred', agentName };
    if (department) event.department = department;
    return { text: `Transferred to ${agentName}`, event };
  },
  transferredToDepartment(department: string | null): SystemLine {
    return department
      ? { text: `Transferred to ${department}`, event: { kind: 'transferred', department } }
      : { text: 'Transferred to the queue', event: { kind: 'transferred' } };
  },
  /** The assignee was offline longer than the grace period. */
  requeued(department: string | null): SystemLine {
    const event: SystemLine['event'] = { kind: 'transferred' };
    if (department) event.department = department;
    return { text: 'The agent went offline; the conversation is back in the queue', event };
  },
  closed(): SystemLine {
    return { text: 'Conversation closed', event: { kind: 'closed' } };
  },
  reopened(): SystemLine {
    return { text: 'Conversation reopened', event: { kind: 'reopened' } };
  },
  /** The visitor's rating of the closed conversation (the comment is in the text and the event). */
  rated(score: number, comment: string | null): SystemLine {
    const event: SystemLine['event'] = { kind: 'rated', score };
    if (comment) event.comment = comment;
    return { text: comment ? `Rated ${score}/5: ${comment}` : `Rated ${score}/5`, event };
  },
  notice(text: string): SystemLine {
    return { text, event: { kind: 'notice' } };
  },
} as const;
