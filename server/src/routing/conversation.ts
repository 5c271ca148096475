/**
 * The conversation state machine, as pure decisions: given the current state and who is
 * acting, what is the next state and which system line records it — or which error code
 * refuses it. Storage applies a decision with compare-and-set on (status, agent), so two
 * concurrent decisions made from the same state cannot both win.
 *
 *   queued ──claim──▶ assigned ──close──▶ closed
 *     ▲  ◀─transfer(dept)/requeue─┘  │        │
 *     └────────────── reopen (visitor writes) ┘
 *   assigned ──transfer(agent)──▶ assigned (other agent, at once)
 *
 * Entering a queue also says where: a transfer to a department and a re-queue (the agent went
 * away) go to its front — that visitor has waited already — a reopen to its back, like a new
 * conversation. The order itself is protocol `queueOrder`.
 */
import { type AgentRole, ErrorCode } from '@switchboard/protocol';
import { SystemLines } from './system-lines.js';
import type { ConversationState, SystemLine } from './types.js';

export interface ActingAgent {
  id: string;
  name: string;
  role: AgentRole;
}

export type Refusal = { ok: false; code: ErrorCode; message: string };
/** Where a change that queues the conversation puts it in its queue. */
export type QueuePlace = 'front' | 'back';
export type Transition =
  | { ok: true; kind: 'change'; next: ConversationState; line: SystemLine | null; queue: QueuePlace | null }
  | { ok: true; kind: 'noop' };
export type Decision = Transition | Refusal;

function refuse(code: ErrorCode, message: string): Refusal {
  return { ok: false, code, message };
}
function change(
  next: ConversationState,
  line: SystemLine | null,
  queue: QueuePlace | null = null,
): Transition {
  return { ok: true, kind: 'change', next, line, queue };
}
const NOOP: Transition = { ok: true, kind: 'noop' };

function isAssignee(conv: ConversationState, agent: ActingAgent): boolean {
  return conv.status === 'assigned' && conv.agentId === agent.id;
}

/** Typing and read receipts speak for the conversation: only its assignee or an admin may send them. */
export function canSpeakFor(conv: ConversationState, agent: ActingAgent): { ok: true } | Refusal {
  if (agent.role === 'admin' || isAssignee(conv, agent)) return { ok: true };
  return refuse(ErrorCode.Forbidden, 'Only the assigned agent or an admin can do that in this conversation');
}

/** Read receipts: as `canSpeakFor`, and the agent who had a closed conversation reads what came after (its rating). */
export function canMarkRead(conv: ConversationState, agent: ActingAgent): { ok: true } | Refusal {
  if (conv.status === 'closed' && conv.agentId === agent.id) return { ok: true };
  return canSpeakFor(conv, agent);
}

export function decideClaim(conv: ConversationState, agent: ActingAgent): Decision {
  if (conv.status === 'closed') return refuse(ErrorCode.Conflict, 'The conversation is closed');
  if (conv.status === 'assigned') {
    // A resent claim of our own is idempotent.
    return conv.agentId === agent.id
      ? NOOP
      : refuse(ErrorCode.AlreadyClaimed, 'Another agent already claimed it');
  }
  return change(
    { status: 'assigned', agentId: agent.id, department: conv.department },
    SystemLines.joined(agent.name),
  );
}

export interface TransferTarget {
  /** Give to this agent (already looked up in the same site). */
  agent?: { id: string; name: string } | null;
  /** Put in this department's queue (`null` = the general queue); `undefined` = keep. */
  department?: string | null;
}

export function decideTransfer(
  conv: ConversationState,
  actor: ActingAgent,
  target: TransferTarget,
  departments: readonly string[],
): Decision {
  if (conv.status === 'closed') return refuse(ErrorCode.Conflict, 'The conversation is closed');
  if (conv.status === 'assigned' && !isAssignee(conv, actor) && actor.role !== 'admin') {
    return refuse(ErrorCode.Forbidden, 'Only the assigned agent or an admin can transfer this conversation');
  }
  const dept = target.department;
  if (typeof dept === 'string' && !departments.includes(dept)) {
    return refuse(ErrorCode.NotFound, `No department "${dept}"; known: ${departments.join(', ') || 'none'}`);
  }
  const department = dept === undefined ? conv.department : dept;
  if (target.agent) {
    if (conv.status === 'assigned' && conv.agentId === target.agent.id && department === conv.department)
      return NOOP;
    return change(
      { status: 'assigned', agentId: target.agent.id, department },
      SystemLines.transferredToAgent(target.agent.name, dept === undefined ? null : dept),
    );
  }
  if (dept === undefined) return refuse(ErrorCode.BadFrame, 'transfer: give toAgentId or department');
  if (conv.status === 'queued' && conv.department === department) return NOOP;
  // A transferred visitor has waited already: they go ahead of the department's new arrivals.
  return change(
    { status: 'queued', agentId: null, department },
    SystemLines.transferredToDepartment(department),
    'front',
  );
}

export function decideClose(conv: ConversationState, actor: ActingAgent): Decision {
  if (conv.status === 'closed') return NOOP;
  if (conv.status === 'assigned' && !isAssignee(conv, actor) && actor.role !== 'admin') {
    return refuse(ErrorCode.Forbidden, 'Only the assigned agent or an admin can close this conversation');
  }
  return change(
    { status: 'closed', agentId: conv.agentId, department: conv.department },
    SystemLines.closed(),
  );
}

/** A visitor wrote into a closed conversation: it goes back to its queue. */
export function decideReopen(conv: ConversationState): Decision {
  if (conv.status !== 'closed') return NOOP;
  return change(
    { status: 'queued', agentId: null, department: conv.department },
    SystemLines.reopened(),
    'back',
  );
}

/** The assignee was offline longer than the grace period. */
export function decideRequeue(conv: ConversationState, agentId: string): Decision {
  if (conv.status !== 'assigned' || conv.agentId !== agentId) return NOOP;
  return change(
    { status: 'queued', agentId: null, department: conv.department },
    SystemLines.requeued(conv.department),
    'front',
  );
}

/** Agents reply in conversations assigned to them; admins anywhere that is not closed. */
export function canReply(conv: ConversationState, agent: ActingAgent): { ok: true } | Refusal {
  if (conv.status === 'closed') return refuse(ErrorCode.Conflict, 'The conversation is closed');
  if (agent.role === 'admin' || isAssignee(conv, agent)) return { ok: true };
  if (conv.status === 'queued') return refuse(ErrorCode.Forbidden, 'Claim the conversation before replying');
  return refuse(ErrorCode.Forbidden, 'The conversation is assigned to another agent');
}

export type VisitorSendPlan = 'create' | 'append' | 'reopen';

/** What a visitor's `send` does to their current conversation. */
export function planVisitorSend(current: ConversationState | null): VisitorSendPlan {
  if (current === null) return 'create';
  return current.status === 'closed' ? 'reopen' : 'append';
}
