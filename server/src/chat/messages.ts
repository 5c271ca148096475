/**
 * Message commands: visitor and agent sends (acked after their group commit), private notes,
 * read cursors and typing. Each is checked by routing, stored, then published.
 */

import type {
  AckFrame,
  AgentNoteFrame,
  AgentSendFrame,
  Author,
  Message,
  RateFrame,
  VisitorSendFrame,
} from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import { sbError } from '../errors.js';
import type { Hub } from '../hub.js';
import {
  agentSideTopics,
  canMarkRead,
  canReply,
  canSpeakFor,
  messageTopics,
  planVisitorSend,
  Sender,
  SystemLines,
  Topic,
} from '../routing/index.js';
import type { MessageWriter } from '../storage/message-writer.js';
import type {
  AgentRecord,
  ConversationRecord,
  NewMessage,
  OutboxTargets,
  Storage,
} from '../storage/types.js';
import type { WebhookTargets } from '../webhooks/targets.js';
import { actingAgent } from './agents.js';
import type { AttachmentMeta, Attachments } from './attachments.js';
import type { Conversations, VisitorActor } from './conversations.js';
import type { VisitorLocks } from './locks.js';
import type { Sites } from './sites.js';
import type { Summaries } from './summaries.js';
import { ackOf, throwIfRefused, validText } from './text.js';
import type { Transitions } from './transitions.js';

/** A command whose frame was accepted; `done` resolves with its ack after the commit. */
export interface Accepted {
  done: Promise<AckFrame>;
}

export interface MessagesDeps {
  storage: Storage;
  writer: MessageWriter;
  hub: Hub;
  conversations: Conversations;
  sites: Sites;
  summaries: Summaries;
  transitions: Transitions;
  locks: VisitorLocks;
  maxTextChars: number;
  webhooks: WebhookTargets;
  /** Whether the site may open one more conversation now (the per-site cap); default: always. */
  admitConversation?: (siteId: string) => Promise<boolean>;
  /** Files sent with messages (bound on send, linked as they go out). */
  attachments: Attachments;
}

export class Messages {
  private readonly storage: Storage;
  private readonly writer: MessageWriter;
  private readonly hub: Hub;
  private readonly conversations: Conversations;
  private readonly sites: Sites;
  private readonly summaries: Summaries;
  private readonly transitions: Transitions;
  private readonly locks: VisitorLocks;
  private readonly maxTextChars: number;
  private readonly webhooks: WebhookTargets;

  private readonly attachments: Attachments;

  constructor(deps: MessagesDeps) {
    this.attachments = deps.attachments;
    this.webhooks = deps.webhooks;
    this.storage = deps.storage;
    this.writer = deps.writer;
    this.hub = deps.hub;
    this.conversations = deps.conversations;
    this.sites = deps.sites;
    this.summaries = deps.summaries;
    this.transitions = deps.transitions;
    this.locks = deps.locks;
    this.maxTextChars = deps.maxTextChars;
    this.admitConversation = deps.admitConversation ?? (async () => true);
  }

  private readonly admitConversation: (siteId: string) => Promise<boolean>;

  /** Told when a visitor's message opened a new conversation in the queue. */
  onQueued: ((siteId: string) => void) | null = null;

  /** Told when an agent's reply was stored (email continuity mails it to a visitor who left). */
  onAgentReply: ((conv: ConversationRecord) => void) | null = null;
  /** Told when a visitor's message was stored (a digest to agents when nobody is online). */
  onVisitorMessage: ((conv: ConversationRecord, at: number) => void) | null = null;

  /** A stored message goes to its conversation's audience; the summary follows. */
  publish(conv: ConversationRecord, message: Message, extraAgents: (string | null)[] = []): void {
    this.hub.publish(messageTopics(conv, extraAgents), {
      type: 'message',
      message: this.attachments.link(message),
    });
    this.summaries.touch(conv, false);
    // A proactive message's line (no agent) is no reply to mail.
    if (message.author.kind === 'agent' && message.author.id) this.onAgentReply?.(conv);
    else if (message.author.kind === 'visitor') this.onVisitorMessage?.(conv, message.at);
  }

  /** Enqueues for the group commit now (synchronously: callers rely on the order of calls). */
  private commit(
    conv: ConversationRecord,
    input: NewMessage,
    cid: string,
    outbox: OutboxTargets | null,
  ): Promise<AckFrame> {
    return this.writer.append(outbox ? { ...input, outbox } : input).then((r) => {
      if (!r.ok) throw sbError(ErrorCode.NotFound, 'No such conversation');
      // Routed by the row as of the commit (an assignee may have changed since `conv` was read).
      if (!r.duplicate) this.publish(r.conversation, r.message, [conv.agentId]);
      return ackOf(cid, r.message);
    });
  }

  /** Visitor `send`: creates the conversation if there is none, reopens a closed one. */
  async visitorSend(v: VisitorActor, visitorName: string, frame: VisitorSendFrame): Promise<Accepted> {
    const caption = this.caption(frame.text, frame.attachment);
    const sender = Sender.visitor(v.visitorId);

    return this.locks.run(v.visitorId, async () => {
      const find = () =>
        frame.conversationId !== undefined
          ? this.conversations.ofVisitor(v, frame.conversationId)
          : this.conversations.current(v.visitorId);
      let conv = await find();
      const now = Date.now();
      if (planVisitorSend(conv) !== 'append') {
        // Creating or reopening runs under a lock that holds across nodes (two tabs on two
        // nodes must not open two conversations); inside it, look again.
        const opened = await this.storage.exclusive(`visitor:${v.visitorId}`, async () => {
          const fresh = await find();
          const plan = planVisitorSend(fresh);
          if (plan === 'append' && fresh) return fresh;
          // A resent cid is caught by the group commit ((sender, cid) is unique) — no read on
          // the hot path. Only before creating or reopening a conversation do we look first,
          // so a resend of an already stored message never reopens or creates anything. A
          // visitor without a conversation has no message to resend (a first send: no read).
          const dup =
            fresh === null && frame.conversationId === undefined
              ? null
              : await this.storage.findMessageByCid(sender, frame.cid);
          if (dup) return dup;
          if (plan === 'reopen' && fresh) return this.transitions.reopen(fresh, now);
          // A flood of new visitors (a script, a botnet) must not bury the agents' queue.
          if (!(await this.admitConversation(v.siteId))) {
            throw sbError(
              ErrorCode.RateLimited,
              'This site is getting too many new conversations right now; the message is sent again shortly',
            );
          }
          const site = await this.sites.get(v.siteId);
          // A reply to a proactive message of this site: its department, and its line first.
          const p = frame.proactive === undefined ? null : await this.storage.getProactive(frame.proactive);
          const rule = p && p.siteId === v.siteId && p.rule.enabled ? p.rule : null;
          const wanted = rule?.department ?? frame.department;
          const dept = wanted && site?.departments.includes(wanted) ? wanted : null;
          const hooks = await this.webhooks.of(v.siteId);
          const created = await this.storage.createConversation({
            siteId: v.siteId,
            visitorId: v.visitorId,
            department: dept,
            status: 'queued',
            at: now,
            outbox: hooks,
          });
          if (rule) {
            // Enqueued before the visitor's message (same lock, in call order): seq 1.
            void this.commit(
              created,
              {
                conversationId: created.id,
                sender: null,
                cid: null,
                text: rule.text,
                author: { kind: 'agent', name: rule.department ?? site?.name ?? 'Support' },
                at: now,
              },
              '',
              hooks,
            ).catch(() => {});
          }
          return created;
        });
        if ('seq' in opened) return { done: Promise.resolve(ackOf(frame.cid, opened)) };
        if (opened.status === 'queued') this.onQueued?.(opened.siteId);
        conv = opened;
      }
      if (!conv) throw new Error('unreachable: no conversation after create');
      const file = await this.file(frame.attachment, sender, conv);
      const outbox = await this.webhooks.of(conv.siteId);
      const author: Author = { kind: 'visitor', id: v.visitorId, name: visitorName };
      // Enqueued inside the lock: a visitor's messages keep their order.
      const done = this.commit(
        conv,
        { conversationId: conv.id, sender, cid: frame.cid, author, at: now, ...withFile(caption, file) },
        frame.cid,
        outbox,
      );
      return { done };
    });
  }

  /**
   * Visitor `rate`: the rating of the conversation's closed period, stored with its line
   * ("Rated 4/5") that both sides see. A resend is acked with the stored line.
   */
  async visitorRate(v: VisitorActor, frame: RateFrame): Promise<AckFrame> {
    const comment = frame.comment?.trim() ? validText(frame.comment.trim(), this.maxTextChars) : null;
    const conv = await this.conversations.ofVisitor(v, frame.conversationId);
    const r = await this.storage.rateConversation({
      conversationId: conv.id,
      visitorId: v.visitorId,
      sender: Sender.visitor(v.visitorId),
      cid: frame.cid,
      score: frame.score,
      comment,
      line: SystemLines.rated(frame.score, comment),
      at: Date.now(),
      outbox: await this.webhooks.of(conv.siteId),
    });
    if (!r.ok) {
      if (r.reason === 'not_found') throw sbError(ErrorCode.NotFound, 'No such conversation');
      throw sbError(
        ErrorCode.Conflict,
        r.reason === 'not_closed'
          ? 'Only a closed conversation can be rated'
          : 'This conversation has already been rated',
      );
    }
    if (!r.duplicate) this.publish(r.conversation, r.message);
    return ackOf(frame.cid, r.message);
  }

  async agentSend(agent: AgentRecord, frame: AgentSendFrame): Promise<Accepted> {
    const caption = this.caption(frame.text, frame.attachment);
    const sender = Sender.agent(agent.id);
    const conv = await this.conversations.ofAgent(agent, frame.conversationId);
    const can = canReply(conv, actingAgent(agent));
    if (!can.ok) {
      // A resend of a reply stored before the conversation changed hands or closed: ack it.
      const dup = await this.storage.findMessageByCid(sender, frame.cid);
      if (dup) return { done: Promise.resolve(ackOf(frame.cid, dup)) };
      throwIfRefused(can);
    }
    const file = await this.file(frame.attachment, sender, conv);
    const author: Author = { kind: 'agent', id: agent.id, name: agent.name };
    const outbox = await this.webhooks.of(conv.siteId);
    const done = this.commit(
      conv,
      { conversationId: conv.id, sender, cid: frame.cid, author, at: Date.now(), ...withFile(caption, file) },
      frame.cid,
      outbox,
    );
    return { done };
  }

  /** A message's text: checked as always, except that a file may go without one (null). */
  private caption(text: string, attachment: string | undefined): string | null {
    return attachment !== undefined && text.trim() === '' ? null : validText(text, this.maxTextChars);
  }

  /** The sender's upload, bound to the conversation the message goes into. */
  private file(
    id: string | undefined,
    sender: string,
    conv: ConversationRecord,
  ): Promise<AttachmentMeta | null> {
    return id === undefined ? Promise.resolve(null) : this.attachments.bind(id, sender, conv.siteId, conv.id);
  }

  async agentNote(agent: AgentRecord, frame: AgentNoteFrame): Promise<AckFrame> {
    const text = validText(frame.text, this.maxTextChars);
    const conv = await this.conversations.ofAgent(agent, frame.conversationId);
    const { note, duplicate } = await this.storage.addNote({
      conversationId: conv.id,
      sender: Sender.agent(agent.id),
      cid: frame.cid,
      text,
      author: { kind: 'agent', id: agent.id, name: agent.name },
      at: Date.now(),
    });
    if (!duplicate) this.hub.publish(agentSideTopics(conv, [agent.id]), { type: 'note', note });
    return { type: 'ack', cid: frame.cid, conversationId: conv.id, at: note.at };
  }

  async visitorRead(v: VisitorActor, conversationId: string, seq: number): Promise<void> {
    const conv = await this.conversations.ofVisitor(v, conversationId);
    const value = await this.storage.setReadSeq(conv.id, 'visitor', seq);
    if (value === null) return;
    // The agent side shows "Seen"; the visitor's other tabs clear their unread count.
    this.hub.publish([Topic.visitor(conv.visitorId), ...agentSideTopics(conv)], {
      type: 'read',
      conversationId: conv.id,
      by: 'visitor',
      seq: value,
    });
  }

  async agentRead(agent: AgentRecord, conversationId: string, seq: number): Promise<void> {
    const conv = await this.conversations.ofAgent(agent, conversationId);
    throwIfRefused(canMarkRead(conv, actingAgent(agent)));
    const value = await this.storage.setReadSeq(conv.id, 'agent', seq);
    if (value === null) return;
    this.hub.publish(messageTopics(conv), { type: 'read', conversationId: conv.id, by: 'agent', seq: value });
  }

  async visitorTyping(
    v: VisitorActor,
    name: string,
    conversationId: string | undefined,
    on: boolean,
  ): Promise<void> {
    const conv =
      conversationId !== undefined
        ? await this.conversations.ofVisitor(v, conversationId)
        : await this.conversations.current(v.visitorId);
    if (!conv || conv.status === 'closed') return;
    this.hub.publish(agentSideTopics(conv), {
      type: 'typing',
      conversationId: conv.id,
      from: { kind: 'visitor', id: v.visitorId, name },
      on,
    });
  }

  async agentTyping(agent: AgentRecord, conversationId: string, on: boolean): Promise<void> {
    const conv = await this.conversations.ofAgent(agent, conversationId);
    if (conv.status === 'closed') return;
    throwIfRefused(canSpeakFor(conv, actingAgent(agent)));
    this.hub.publish(messageTopics(conv), {
      type: 'typing',
      conversationId: conv.id,
      from: { kind: 'agent', id: agent.id, name: agent.name },
      on,
    });
  }
}

/** Text and file of a message: a file without a caption shows its name as the text (previews, mail, search). */
function withFile(
  caption: string | null,
  file: AttachmentMeta | null,
): Pick<NewMessage, 'text' | 'attachment'> {
  const text = caption ?? file?.name ?? '';
  return file ? { text, attachment: file } : { text };
}
