/**
 * Conversation state changes — claim, transfer, close, reopen, re-queue — through ONE
 * compare-and-set path: routing decides from the row we hold, storage applies the decision
 * only if the row is unchanged, and a lost race decides again from the fresh row.
 */

import {
  type AckFrame,
  type AgentStatus,
  type Author,
  type ClaimFrame,
  type CloseFrame,
  ErrorCode,
  type TransferFrame,
} from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { sbError } from '../errors.js';
import type { Hub } from '../hub.js';
import {
  agentSideTopics,
  type Decision,
  decideClaim,
  decideClose,
  decideReopen,
  decideRequeue,
  decideTransfer,
  messageTopics,
  Sender,
  type Transition,
  wellFormed,
} from '../routing/index.js';
import type { AgentRecord, ConversationRecord, Storage, TransitionResult } from '../storage/types.js';
import type { WebhookTargets } from '../webhooks/targets.js';
import { actingAgent } from './agents.js';
import type { Conversations } from './conversations.js';
import type { Sites } from './sites.js';
import type { Summaries } from './summaries.js';

type Change = Extract<Transition, { kind: 'change' }>;

/** A private note stored in the same transaction as the change (a transfer's hand-over note). */
interface NoteInput {
  sender: string;
  cid: string | null;
  text: string;
  author: Author;
}

/** One compare-and-set step: how to decide, write, and re-read after a lost race. */
interface CasStep {
  decide: (c: ConversationRecord) => Decision;
  /** Applies the change if the row is still `c`; null when it changed meanwhile. */
  write: (c: ConversationRecord, d: Change) => Promise<TransitionResult | null>;
  reread: (id: string) => Promise<ConversationRecord>;
  attempts: number;
  /** The agent who held the conversation before (hears the change too), if any. */
  previousAgent: (c: ConversationRecord) => string | null;
  /** Every attempt lost a race: what to answer with the last row read. */
  exhausted: (c: ConversationRecord) => ConversationRecord;
}

function ackOfState(cid: string, conv: ConversationRecord): AckFrame {
  return { type: 'ack', cid, conversationId: conv.id, seq: conv.lastSeq };
}

export class Transitions {
  constructor(
    private readonly storage: Storage,
    private readonly hub: Hub,
    private readonly conversations: Conversations,
    private readonly sites: Sites,
    private readonly summaries: Summaries,
    private readonly log: FastifyBaseLogger,
    private readonly webhooks: WebhookTargets,
  ) {}

  private async compareAndSet(conv: ConversationRecord, step: CasStep): Promise<ConversationRecord> {
    let current = conv;
    for (let attempt = 0; attempt < step.attempts; attempt++) {
      const d = step.decide(current);
      if (!d.ok) throw sbError(d.code, d.message);
      if (d.kind === 'noop') return current;
      const r = await step.write(current, d);
      if (r) {
        this.publish(r, step.previousAgent(current), current.department);
        if (current.status === 'queued' && r.message?.event?.kind === 'joined') {
          this.onWaitEnded?.(current.siteId, Math.max(0, r.message.at - current.queuedAt));
        }
        return r.conversation;
      }
      current = await step.reread(current.id);
    }
    return step.exhausted(current);
  }

  private publish(
    r: TransitionResult,
    previousAgent: string | null,
    previousDepartment: string | null,
  ): void {
    const extra = [previousAgent];
    if (r.message)
      this.hub.publish(messageTopics(r.conversation, extra), { type: 'message', message: r.message });
    if (r.note) this.hub.publish(agentSideTopics(r.conversation, extra), { type: 'note', note: r.note });
    this.summaries.touch(r.conversation, true, { department: previousDepartment, agentId: previousAgent });
    this.onChanged?.(r.conversation.siteId, r.message?.event?.kind === 'joined');
  }

  /** An agent's visible status (presence); transfers to someone offline are refused. */
  statusOf: ((agentId: string) => AgentStatus) | null = null;

  /**
   * Told after every state change (automatic assignment plans the site's queue again), and
   * whether an agent joined (a claim: the site's recent waits changed).
   */
  onChanged: ((siteId: string, joined: boolean) => void) | null = null;

  /** Told when a queued conversation gets an agent, with how long it waited (metrics). */
  onWaitEnded: ((siteId: string, waitMs: number) => void) | null = null;

  /**
   * Any change but a claim: compare-and-set on (status, agent); if the row changed meanwhile,
   * decides again from the fresh state (a few times), so concurrent commands serialise correctly.
   */
  private apply(
    conv: ConversationRecord,
    decide: (c: ConversationRecord) => Decision,
    at: number,
    note: NoteInput | null,
  ): Promise<ConversationRecord> {
    return this.compareAndSet(conv, {
      decide,
      write: async (current, d) =>
        this.storage.transitionConversation(current.id, {
          expect: { status: current.status, agentId: current.agentId },
          next: d.next,
          line: d.line,
          queue: d.queue,
          note: note ? { conversationId: current.id, ...note, at } : null,
          at,
          outbox: await this.webhooks.of(current.siteId),
        }),
      reread: async (id) => {
        const fresh = await this.storage.getConversation(id);
        if (!fresh) throw sbError(ErrorCode.NotFound, 'No such conversation');
        return fresh;
      },
      attempts: 5,
      previousAgent: (c) => c.agentId,
      exhausted: () => {
        throw sbError(ErrorCode.Conflict, 'The conversation changed concurrently; retry');
      },
    });
  }

  /** The atomic claim (`… WHERE status = 'queued'`): a lost race re-decides (→ ALREADY_CLAIMED). */
  async claim(agent: AgentRecord, frame: ClaimFrame): Promise<AckFrame> {
    const acting = actingAgent(agent);
    const conv = await this.conversations.ofAgent(agent, frame.conversationId);
    const next = await this.compareAndSet(conv, {
      decide: (c) => decideClaim(c, acting),
      write: async (c, d) =>
        this.storage.claimConversation(c.id, agent.id, d.line, Date.now(), await this.webhooks.of(c.siteId)),
      reread: () => this.conversations.ofAgent(agent, frame.conversationId),
      attempts: 3,
      previousAgent: () => null,
      exhausted: (c) => c,
    });
    return ackOfState(frame.cid, next);
  }

  async transfer(agent: AgentRecord, frame: TransferFrame): Promise<AckFrame> {
    // Like a note's text: refused, never stored altered.
    if (frame.note !== undefined && !wellFormed(frame.note)) {
      throw sbError(
        ErrorCode.TextMalformed,
        'The transfer note is not well-formed Unicode (a lone surrogate)',
      );
    }
    const conv = await this.conversations.ofAgent(agent, frame.conversationId);
    const site = await this.sites.get(agent.siteId);
    let target: { id: string; name: string } | null = null;
    if (frame.toAgentId !== undefined) {
      const to = await this.storage.getAgent(frame.toAgentId, agent.siteId);
      if (!to?.active) throw sbError(ErrorCode.NotFound, 'No such agent');
      if (to.id !== conv.agentId) {
        // A transfer must land with someone who can answer now.
        if (this.statusOf && this.statusOf(to.id) === 'offline') {
          throw sbError(ErrorCode.Conflict, `${to.name} is offline: choose someone online, or a department`);
        }
        if (to.maxChats !== null) {
          const held = (await this.storage.listAgentConversations(to.id)).filter(
            (c) => c.siteId === to.siteId,
          ).length;
          if (held >= to.maxChats) {
            throw sbError(
              ErrorCode.Conflict,
              `${to.name} is at capacity (${held} of ${to.maxChats} chats): choose someone else, or a department`,
            );
          }
        }
      }
      target = { id: to.id, name: to.name };
    }
    const departmentGiven = Object.hasOwn(frame, 'department');
    const noteText = frame.note?.trim();
    const note = noteText
      ? {
          sender: Sender.agent(agent.id),
          cid: frame.cid,
          text: noteText,
          author: { kind: 'agent' as const, id: agent.id, name: agent.name },
        }
      : null;
    const next = await this.apply(
      conv,
      (c) =>
        decideTransfer(
          c,
          actingAgent(agent),
          departmentGiven ? { agent: target, department: frame.department ?? null } : { agent: target },
          site?.departments ?? [],
        ),
      Date.now(),
      note,
    );
    return ackOfState(frame.cid, next);
  }

  async close(agent: AgentRecord, frame: CloseFrame): Promise<AckFrame> {
    const conv = await this.conversations.ofAgent(agent, frame.conversationId);
    const next = await this.apply(conv, (c) => decideClose(c, actingAgent(agent)), Date.now(), null);
    return ackOfState(frame.cid, next);
  }

  /** A visitor wrote in a closed conversation. */
  reopen(conv: ConversationRecord, at: number): Promise<ConversationRecord> {
    return this.apply(conv, (c) => decideReopen(c), at, null);
  }

  /** The agent stayed offline past the grace period: their conversations go back to the queue. */
  async requeueAgent(agentId: string, siteId?: string): Promise<number> {
    let n = 0;
    for (const conv of await this.storage.listAgentConversations(agentId)) {
      if (siteId !== undefined && conv.siteId !== siteId) continue;
      try {
        const after = await this.apply(conv, (c) => decideRequeue(c, agentId), Date.now(), null);
        if (after.status === 'queued') n++;
      } catch (err) {
        this.log.warn({ err, conversationId: conv.id }, 'could not re-queue a conversation');
      }
    }
    return n;
  }
}
