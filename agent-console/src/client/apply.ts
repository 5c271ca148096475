import type {
  AckFrame,
  AgentWelcomeFrame,
  ConversationSummary,
  ErrorFrame,
  Message,
  ServerFrame,
} from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import { batch } from 'nanostores';
import { visitorName } from '../lib/format.js';
import { $activeId } from '../stores/active.js';
import { setAgents, upsertAgent } from '../stores/agents.js';
import { $pendingCommands, isPending, takePending } from '../stores/commands.js';
import { applyVisit } from '../stores/context.js';
import {
  $conversations,
  patchConversation,
  resetConversations,
  upsertConversation,
} from '../stores/conversations.js';
import { $departments, $myDepartments } from '../stores/departments.js';
import { addMessages, markLoaded } from '../stores/messages.js';
import { addNotes } from '../stores/notes.js';
import { fail, isOutboxCid, retry, settle } from '../stores/outbox.js';
import { $session } from '../stores/session.js';
import { showToast } from '../stores/toasts.js';
import { setVisitorTyping } from '../stores/typing.js';
import { $visitorOnline } from '../stores/visitors.js';
import { describeError, isTransient } from './errors.js';

/**
 * What the protocol client must do after a frame was applied: the reducer itself never
 * touches the socket, so it can be tested on plain frames.
 */
export type FollowUp =
  | { type: 'open'; conversationId: string }
  | { type: 'synced' }
  | { type: 'retry-outbox-later' };

/** Apply one server frame to the stores. */
export function applyFrame(frame: ServerFrame): FollowUp[] {
  switch (frame.type) {
    case 'welcome':
      if (frame.role === 'agent') applyWelcome(frame);
      return [];
    case 'history':
      batch(() => {
        markLoaded(frame.conversationId);
        addMessages(frame.conversationId, frame.messages);
        if (frame.notes) addNotes(frame.conversationId, frame.notes);
        const last = frame.messages[frame.messages.length - 1];
        if (last) noteLatest(last);
      });
      return [];
    case 'synced':
      return [{ type: 'synced' }];
    case 'message':
      applyMessage(frame.message);
      return [];
    case 'note':
      addNotes(frame.note.conversationId, [frame.note]);
      return [];
    case 'conversation':
      return applyConversation(frame.conversation);
    case 'typing':
      if (frame.from.kind === 'visitor') setVisitorTyping(frame.conversationId, frame.on);
      return [];
    case 'read': {
      const c = $conversations.get()[frame.conversationId];
      if (!c) return [];
      if (frame.by === 'visitor' && frame.seq > c.visitorReadSeq) {
        patchConversation(c.id, { visitorReadSeq: frame.seq });
      } else if (frame.by === 'agent' && frame.seq > c.agentReadSeq) {
        patchConversation(c.id, { agentReadSeq: frame.seq });
      }
      return [];
    }
    case 'presence':
      upsertAgent(frame.agent);
      return [];
    case 'visitor':
      $visitorOnline.setKey(frame.visitorId, frame.online);
      return [];
    case 'visit':
      applyVisit(frame);
      return [];
    case 'ack':
      return applyAck(frame);
    case 'error':
      return applyError(frame);
    default:
      return []; // pong, and visitor-only frames an agent never gets
  }
}

function applyWelcome(frame: AgentWelcomeFrame): void {
  batch(() => {
    setAgents(
      frame.agents.some((a) => a.id === frame.agent.id) ? frame.agents : [...frame.agents, frame.agent],
    );
    $departments.set(frame.departments);
    $myDepartments.set(frame.agent.departments ?? []);
    const active = $activeId.get();
    resetConversations(frame.conversations, active ? [active] : []);
    // A conversation restored from an earlier page load that is no longer open: forget it.
    if (active && !$conversations.get()[active]) $activeId.set(null);
  });
}

/**
 * A conversation handed to me by someone else (a transfer, no accept step) opens at once when
 * nothing else is on screen; otherwise a toast and the unread dot point to it.
 */
function applyConversation(next: ConversationSummary): FollowUp[] {
  const me = $session.get()?.agent;
  const held = $conversations.get()[next.id];
  upsertConversation(next);
  const handedToMe =
    me !== undefined &&
    held !== undefined &&
    next.status === 'assigned' &&
    next.agent?.id === me.id &&
    held.agent?.id !== me.id &&
    !isPending($pendingCommands.get(), next.id, 'claim');
  if (!handedToMe || $conversations.get()[next.id] !== next) return [];
  const name = visitorName(next.visitor);
  if ($activeId.get() === null) {
    $activeId.set(next.id);
    showToast(`${name} was transferred to you`, 'info');
    return [{ type: 'open', conversationId: next.id }];
  }
  showToast(`${name} was transferred to you — see My conversations`, 'info');
  return [];
}

function applyMessage(m: Message): void {
  batch(() => {
    const me = $session.get()?.agent;
    // Our own reply echoed before its ack: the outbox line gives way to the committed message.
    if (m.cid && m.author.kind === 'agent' && m.author.id === me?.id && isOutboxCid(m.cid)) settle(m.cid);
    const fresh = addMessages(m.conversationId, [m]);
    if (fresh.length === 0) return;
    if (m.author.kind === 'visitor') setVisitorTyping(m.conversationId, false);
    noteLatest(m);
  });
}

/** Keep the summary's preview current even before the server's `conversation` frame arrives. */
function noteLatest(m: Message): void {
  const c = $conversations.get()[m.conversationId];
  if (!c || m.seq <= c.lastSeq) return;
  patchConversation(c.id, {
    lastSeq: m.seq,
    lastMessage: { text: m.text, authorKind: m.author.kind, at: m.at },
  });
}

function applyAck(frame: AckFrame): FollowUp[] {
  if (isOutboxCid(frame.cid)) {
    batch(() => ackOutbox(frame));
    return [];
  }
  const command = takePending(frame.cid);
  if (!command) return [];
  return commandSucceeded(command.kind, command.conversationId, command.label);
}

function ackOutbox(frame: AckFrame): void {
  const entry = settle(frame.cid);
  const me = $session.get()?.agent;
  if (entry && entry.kind === 'send' && frame.seq !== undefined && me) {
    // Show our reply at its committed seq at once; the echoed `message` is then a duplicate.
    applyMessage({
      id: frame.messageId ?? `local-${entry.cid}`,
      conversationId: entry.conversationId,
      seq: frame.seq,
      cid: entry.cid,
      text: entry.text,
      author: { kind: 'agent', id: me.id, name: me.name },
      at: frame.at ?? entry.at,
    });
  }
}

function commandSucceeded(
  kind: 'claim' | 'transfer' | 'close',
  conversationId: string,
  label: string | undefined,
): FollowUp[] {
  switch (kind) {
    case 'claim': {
      // Take it locally now; the server's `conversation` frame confirms with the full summary.
      const me = $session.get()?.agent;
      const c = $conversations.get()[conversationId];
      if (me && c && c.status === 'queued') {
        patchConversation(conversationId, { status: 'assigned', agent: { id: me.id, name: me.name } });
      }
      $activeId.set(conversationId);
      return [{ type: 'open', conversationId }];
    }
    case 'transfer':
      showToast(label ? `Transferred to ${label}` : 'Conversation transferred', 'success');
      if ($activeId.get() === conversationId && $session.get()?.agent.role !== 'admin') $activeId.set(null);
      return [];
    case 'close':
      showToast('Conversation closed', 'success', 3_000);
      patchConversation(conversationId, { status: 'closed' });
      return [];
  }
}

function applyError(frame: ErrorFrame): FollowUp[] {
  const text = describeError(frame.code, frame.message);
  if (frame.cid !== undefined) {
    if (settleOutboxError(frame.cid, frame.code, text)) {
      return isTransient(frame.code) ? [{ type: 'retry-outbox-later' }] : [];
    }
    const command = takePending(frame.cid);
    if (command) {
      const c = $conversations.get()[command.conversationId];
      const me = $session.get()?.agent;
      // A claim resent after a reconnect may find the conversation already ours: that is success.
      if (command.kind === 'claim' && frame.code === ErrorCode.AlreadyClaimed && c?.agent?.id === me?.id) {
        return commandSucceeded('claim', command.conversationId, undefined);
      }
      showToast(text, 'error', 7_000);
      return [];
    }
  }
  if (frame.code !== ErrorCode.NotReady) showToast(text, 'error', 7_000);
  return [];
}

/** An error for an outbox entry: transient ones wait for a resend, others show "Not sent". */
function settleOutboxError(cid: string, code: string, text: string): boolean {
  if (!isOutboxCid(cid)) return false;
  if (isTransient(code)) retry(cid);
  else fail(cid, text);
  return true;
}
