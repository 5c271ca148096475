/** Conversation lookups with their access checks (the site's agents, the visitor who owns it). */
import { ErrorCode } from '@switchboard/protocol';
import { sbError } from '../errors.js';
import type { AgentRecord, ConversationRecord, Storage } from '../storage/types.js';

export interface VisitorActor {
  siteId: string;
  visitorId: string;
}

export class Conversations {
  constructor(private readonly storage: Storage) {}

  get(id: string): Promise<ConversationRecord | null> {
    return this.storage.getConversation(id);
  }

  /** The conversation, when this agent may see it (their site), else SB_ERR_NOT_FOUND. */
  async ofAgent(agent: AgentRecord, id: string): Promise<ConversationRecord> {
    const conv = await this.storage.getConversation(id);
    if (!conv || conv.siteId !== agent.siteId) throw sbError(ErrorCode.NotFound, 'No such conversation');
    return conv;
  }

  /** The conversation, when it is this visitor's, else SB_ERR_NOT_FOUND. */
  async ofVisitor(v: VisitorActor, id: string): Promise<ConversationRecord> {
    const conv = await this.storage.getConversation(id);
    if (!conv || conv.visitorId !== v.visitorId) throw sbError(ErrorCode.NotFound, 'No such conversation');
    return conv;
  }

  /** The visitor's latest conversation, if any. */
  async current(visitorId: string): Promise<ConversationRecord | null> {
    return (await this.storage.listVisitorConversations(visitorId, 1))[0] ?? null;
  }
}
