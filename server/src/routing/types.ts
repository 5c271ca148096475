/**
 * The conversation state routing decides on, and the system line a decision records.
 * Storage applies these (it imports them from here, never the reverse).
 */
import type { ConversationStatus, SystemEvent } from '@switchboard/protocol';

/** A system line stored in the same transaction as a state change. */
export interface SystemLine {
  text: string;
  event: SystemEvent;
}

export interface ConversationState {
  status: ConversationStatus;
  agentId: string | null;
  department: string | null;
}
