import type { AgentWelcomeFrame, ServerFrame } from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import { cleanStores } from 'nanostores';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyFrame } from '../src/client/apply.js';
import { $activeId } from '../src/stores/active.js';
import { $agents, $me, $teammates } from '../src/stores/agents.js';
import { $pendingCommands, addPending } from '../src/stores/commands.js';
import { $conversations } from '../src/stores/conversations.js';
import { $departments } from '../src/stores/departments.js';
import { resetStores } from '../src/stores/index.js';
import { $mine, $queue, $teamConversations } from '../src/stores/lists.js';
import { $messages } from '../src/stores/messages.js';
import { $notes } from '../src/stores/notes.js';
import { $outbox, enqueue, markInflight } from '../src/stores/outbox.js';
import { $session, clearSession, setSession } from '../src/stores/session.js';
import { $toasts } from '../src/stores/toasts.js';
import { $visitorTyping } from '../src/stores/typing.js';
import { $visitorOnline } from '../src/stores/visitors.js';
import { admin, ana, ben, conversation, message, note } from './fixtures.js';

function welcome(patch: Partial<AgentWelcomeFrame> = {}): AgentWelcomeFrame {
  return {
    type: 'welcome',
    v: 1,
    role: 'agent',
    agent: ana,
    conversations: [],
    agents: [ana, ben],
    departments: ['Sales', 'Support'],
    ...patch,
  };
}

const apply = (...frames: ServerFrame[]) => frames.flatMap((f) => applyFrame(f));
const seqs = (id: string) => ($messages.get()[id] ?? []).map((m) => m.seq);

beforeEach(() => setSession({ token: 't', agent: ana, sites: [] }));
afterEach(() => {
  resetStores();
  clearSession();
  cleanStores(
    $conversations,
    $queue,
    $mine,
    $teamConversations,
    $messages,
    $agents,
    $me,
    $teammates,
    $session,
  );
});

describe('welcome', () => {
  it('loads conversations, agents and departments, and derives the queue and my list', () => {
    apply(
      welcome({
        conversations: [
          conversation('q2', { createdAt: 2_000 }),
          conversation('q1', { createdAt: 1_000 }),
          conversation('mine', { status: 'assigned', agent: { id: ana.id, name: ana.name } }),
          conversation('bens', { status: 'assigned', agent: { id: ben.id, name: ben.name } }),
        ],
      }),
    );
    expect($queue.get().map((c) => c.id)).toEqual(['q1', 'q2']);
    expect($mine.get().map((c) => c.id)).toEqual(['mine']);
    expect($teamConversations.get()).toEqual([]); // not an admin
    expect($departments.get()).toEqual(['Sales', 'Support']);
    expect($me.get()?.name).toBe('Ana Silva');
    expect($teammates.get().map((a) => a.id)).toEqual([ben.id]);
  });
  it('lists the queue an agent sees: their departments and the general queue; one moved elsewhere drops out', () => {
    apply(
      welcome({
        agent: { ...ana, departments: ['Billing'] },
        conversations: [
          conversation('billing', { department: 'Billing' }),
          conversation('general', { department: null }),
          conversation('sales', { department: 'Sales' }),
        ],
      }),
    );
    expect(
      $queue
        .get()
        .map((c) => c.id)
        .sort(),
    ).toEqual(['billing', 'general', 'sales'].filter((id) => id !== 'sales'));
    // Transferred to Sales: its last frame reached her, and it leaves her queue.
    apply({
      type: 'conversation',
      conversation: conversation('billing', { department: 'Sales', updatedAt: 2_000 }),
    });
    expect($queue.get().map((c) => c.id)).toEqual(['general']);
    // With no departments she takes every department again.
    apply(
      welcome({
        agent: { ...ana, departments: [] },
        conversations: [conversation('sales', { department: 'Sales' })],
      }),
    );
    expect($queue.get().map((c) => c.id)).toEqual(['sales']);
  });

  it('lists the queue in the server’s order: a transferred (front) conversation first, then the longest waiting', () => {
    apply(
      welcome({
        conversations: [
          conversation('new', { createdAt: 3_000 }),
          conversation('old', { createdAt: 1_000 }),
          conversation('transferred', { createdAt: 500, queuedAt: 4_000, queueFront: true }),
        ],
      }),
    );
    expect($queue.get().map((c) => c.id)).toEqual(['transferred', 'old', 'new']);
  });

  it('shows admins the conversations of other agents', () => {
    setSession({ token: 't', agent: admin, sites: [] });
    apply(
      welcome({
        agent: admin,
        agents: [admin, ana],
        conversations: [conversation('anas', { status: 'assigned', agent: { id: ana.id, name: ana.name } })],
      }),
    );
    expect($teamConversations.get().map((c) => c.id)).toEqual(['anas']);
  });

  it('replaces the previous snapshot on reconnect but keeps the conversation on screen', () => {
    apply(welcome({ conversations: [conversation('gone'), conversation('open')] }));
    $activeId.set('gone');
    apply(welcome({ conversations: [conversation('open')] }));
    expect(Object.keys($conversations.get()).sort()).toEqual(['gone', 'open']);
    expect($conversations.get().gone?.status).toBe('closed');
    expect($queue.get().map((c) => c.id)).toEqual(['open']);
  });
});

describe('live conversation updates', () => {
  it('adds a new queued conversation and removes it when another agent claims it', () => {
    apply(welcome());
    apply({ type: 'conversation', conversation: conversation('c1') });
    expect($queue.get().map((c) => c.id)).toEqual(['c1']);
    apply({
      type: 'conversation',
      conversation: conversation('c1', {
        status: 'assigned',
        agent: { id: ben.id, name: ben.name },
        updatedAt: 2_000,
      }),
    });
    expect($queue.get()).toEqual([]);
    expect($mine.get()).toEqual([]);
  });

  it('ignores a summary older than the one held', () => {
    apply(welcome());
    apply({
      type: 'conversation',
      conversation: conversation('c1', {
        status: 'assigned',
        agent: { id: ben.id, name: ben.name },
        updatedAt: 2_000,
      }),
    });
    apply({ type: 'conversation', conversation: conversation('c1', { updatedAt: 1_500 }) });
    expect($conversations.get().c1?.status).toBe('assigned');
  });

  it('moves a transferred conversation into my list', () => {
    apply(
      welcome({
        conversations: [conversation('c1', { status: 'assigned', agent: { id: ben.id, name: ben.name } })],
      }),
    );
    expect($mine.get()).toEqual([]);
    apply({
      type: 'conversation',
      conversation: conversation('c1', {
        status: 'assigned',
        agent: { id: ana.id, name: ana.name },
        updatedAt: 3_000,
      }),
    });
    expect($mine.get().map((c) => c.id)).toEqual(['c1']);
  });
});

describe('messages: replay, live and dedupe', () => {
  it('dedupes the seam between history replay and live messages', () => {
    apply(welcome({ conversations: [conversation('c1', { lastSeq: 2 })] }));
    apply(
      { type: 'message', message: message('c1', 3) }, // published while the replay was read
      {
        type: 'history',
        conversationId: 'c1',
        messages: [message('c1', 1), message('c1', 2), message('c1', 3)],
      },
      { type: 'synced' },
      { type: 'message', message: message('c1', 3) },
      { type: 'message', message: message('c1', 4) },
    );
    expect(seqs('c1')).toEqual([1, 2, 3, 4]);
    expect($conversations.get().c1?.lastSeq).toBe(4);
    expect($conversations.get().c1?.lastMessage?.text).toBe('message 4');
  });

  it('reports synced as a follow-up', () => {
    expect(apply({ type: 'synced' })).toEqual([{ type: 'synced' }]);
  });

  it('stores notes from history and live frames once each', () => {
    apply(
      { type: 'history', conversationId: 'c1', messages: [message('c1', 1)], notes: [note('c1', 'n1', 1)] },
      { type: 'note', note: note('c1', 'n1', 1) },
      { type: 'note', note: note('c1', 'n2', 1, 6_000) },
    );
    expect(($notes.get().c1 ?? []).map((n) => n.id)).toEqual(['n1', 'n2']);
  });

  it('clears the typing indicator when the visitor’s message arrives', () => {
    apply({ type: 'typing', conversationId: 'c1', from: { kind: 'visitor', name: 'V' }, on: true });
    expect($visitorTyping.get().c1).toBeGreaterThan(Date.now());
    apply({ type: 'message', message: message('c1', 1) });
    expect($visitorTyping.get().c1).toBeUndefined();
  });

  it('ignores typing from other agents', () => {
    apply({ type: 'typing', conversationId: 'c1', from: { kind: 'agent', name: 'Ben' }, on: true });
    expect($visitorTyping.get().c1).toBeUndefined();
  });
});

describe('outbox acks and errors', () => {
  it('an ack settles the reply and shows it at its seq; the echoed message is not doubled', () => {
    apply(
      welcome({
        conversations: [conversation('c1', { status: 'assigned', agent: { id: ana.id, name: ana.name } })],
      }),
    );
    apply({ type: 'history', conversationId: 'c1', messages: [message('c1', 1)] });
    enqueue({ cid: 'x1', conversationId: 'c1', kind: 'send', text: 'Hi there', at: 10 });
    markInflight('x1');
    apply({ type: 'ack', cid: 'x1', conversationId: 'c1', seq: 2, messageId: 'm2', at: 2_000 });
    expect($outbox.get()).toEqual([]);
    expect(seqs('c1')).toEqual([1, 2]);
    expect($messages.get().c1?.[1]).toMatchObject({
      text: 'Hi there',
      author: { kind: 'agent', name: 'Ana Silva' },
    });
    apply({
      type: 'message',
      message: message('c1', 2, {
        cid: 'x1',
        text: 'Hi there',
        author: { kind: 'agent', name: 'Ana Silva' },
      }),
    });
    expect(seqs('c1')).toEqual([1, 2]);
  });

  it('our reply echoed before its ack replaces the pending line', () => {
    enqueue({ cid: 'x1', conversationId: 'c1', kind: 'send', text: 'Hi', at: 10 });
    markInflight('x1');
    apply({
      type: 'message',
      message: message('c1', 1, {
        cid: 'x1',
        text: 'Hi',
        author: { kind: 'agent', id: ana.id, name: ana.name },
      }),
    });
    expect($outbox.get()).toEqual([]);
    apply({ type: 'ack', cid: 'x1', conversationId: 'c1', seq: 1 });
    expect(seqs('c1')).toEqual([1]);
  });

  it('a duplicate ack (resent cid) changes nothing', () => {
    enqueue({ cid: 'x1', conversationId: 'c1', kind: 'send', text: 'Hi', at: 10 });
    apply(
      { type: 'ack', cid: 'x1', conversationId: 'c1', seq: 2 },
      { type: 'ack', cid: 'x1', conversationId: 'c1', seq: 2 },
    );
    expect(seqs('c1')).toEqual([2]);
    expect($outbox.get()).toEqual([]);
  });

  it('a refusal marks the entry failed with a readable reason', () => {
    enqueue({ cid: 'x1', conversationId: 'c1', kind: 'send', text: 'x'.repeat(5000), at: 10 });
    markInflight('x1');
    apply({ type: 'error', code: ErrorCode.TextTooLong, message: 'too long', cid: 'x1' });
    expect($outbox.get()[0]).toMatchObject({ state: 'failed', error: expect.stringContaining('4,000') });
  });

  it('a transient refusal queues the entry again and asks for a later retry', () => {
    enqueue({ cid: 'x1', conversationId: 'c1', kind: 'send', text: 'hi', at: 10 });
    markInflight('x1');
    const followUps = apply({ type: 'error', code: ErrorCode.RateLimited, message: 'slow down', cid: 'x1' });
    expect(followUps).toEqual([{ type: 'retry-outbox-later' }]);
    expect($outbox.get()[0]?.state).toBe('queued');
  });
});

describe('commands', () => {
  it('a claim ack takes the conversation, opens it, and asks for its history', () => {
    apply(welcome({ conversations: [conversation('c1')] }));
    addPending({
      cid: 'k1',
      kind: 'claim',
      conversationId: 'c1',
      frame: { type: 'claim', cid: 'k1', conversationId: 'c1' },
    });
    const followUps = apply({ type: 'ack', cid: 'k1', conversationId: 'c1' });
    expect(followUps).toEqual([{ type: 'open', conversationId: 'c1' }]);
    expect($activeId.get()).toBe('c1');
    expect($queue.get()).toEqual([]);
    expect($mine.get().map((c) => c.id)).toEqual(['c1']);
    expect($pendingCommands.get()).toEqual([]);
  });

  it('a lost claim race shows a toast and leaves the conversation alone', () => {
    apply(welcome({ conversations: [conversation('c1')] }));
    addPending({
      cid: 'k1',
      kind: 'claim',
      conversationId: 'c1',
      frame: { type: 'claim', cid: 'k1', conversationId: 'c1' },
    });
    apply({ type: 'error', code: ErrorCode.AlreadyClaimed, message: 'claimed', cid: 'k1' });
    expect($toasts.get().map((t) => t.text)).toEqual(['Another agent already claimed this conversation.']);
    expect($activeId.get()).toBeNull();
    expect($pendingCommands.get()).toEqual([]);
  });

  it('a claim resent after a reconnect that finds the conversation ours counts as success', () => {
    apply(
      welcome({
        conversations: [conversation('c1', { status: 'assigned', agent: { id: ana.id, name: ana.name } })],
      }),
    );
    addPending({
      cid: 'k1',
      kind: 'claim',
      conversationId: 'c1',
      frame: { type: 'claim', cid: 'k1', conversationId: 'c1' },
    });
    expect(apply({ type: 'error', code: ErrorCode.AlreadyClaimed, message: 'claimed', cid: 'k1' })).toEqual([
      { type: 'open', conversationId: 'c1' },
    ]);
    expect($toasts.get()).toEqual([]);
  });

  it('a transfer ack confirms with a toast and leaves the conversation', () => {
    apply(
      welcome({
        conversations: [conversation('c1', { status: 'assigned', agent: { id: ana.id, name: ana.name } })],
      }),
    );
    $activeId.set('c1');
    addPending({
      cid: 't1',
      kind: 'transfer',
      conversationId: 'c1',
      label: 'Ben Okafor',
      frame: { type: 'transfer', cid: 't1', conversationId: 'c1', toAgentId: ben.id },
    });
    apply({ type: 'ack', cid: 't1', conversationId: 'c1' });
    expect($toasts.get().map((t) => t.text)).toEqual(['Transferred to Ben Okafor']);
    expect($activeId.get()).toBeNull();
  });
});

describe('transfers to me', () => {
  const bens = conversation('c1', { status: 'assigned', agent: { id: ben.id, name: ben.name } });
  const toAna = { ...bens, agent: { id: ana.id, name: ana.name }, updatedAt: 5_000 };

  it('opens a conversation handed to me when nothing else is on screen', () => {
    apply(welcome({ conversations: [bens] }));
    expect(apply({ type: 'conversation', conversation: toAna })).toEqual([
      { type: 'open', conversationId: 'c1' },
    ]);
    expect($activeId.get()).toBe('c1');
    expect($mine.get().map((c) => c.id)).toEqual(['c1']);
  });

  it('only announces it when I am busy with another conversation', () => {
    apply(welcome({ conversations: [bens] }));
    $activeId.set('other');
    expect(apply({ type: 'conversation', conversation: toAna })).toEqual([]);
    expect($activeId.get()).toBe('other');
    expect($toasts.get()[0]?.text).toContain('transferred to you');
  });

  it('does not treat my own claim as a transfer', () => {
    apply(welcome({ conversations: [conversation('c1')] }));
    addPending({
      cid: 'k1',
      kind: 'claim',
      conversationId: 'c1',
      frame: { type: 'claim', cid: 'k1', conversationId: 'c1' },
    });
    expect(apply({ type: 'conversation', conversation: toAna })).toEqual([]);
    expect($toasts.get()).toEqual([]);
  });
});

describe('presence, reads and visitors', () => {
  it('updates agent presence', () => {
    apply(welcome());
    apply({ type: 'presence', agent: { ...ben, status: 'away' }, agentsOnline: true });
    expect($agents.get()[ben.id]?.status).toBe('away');
  });

  it('moves the visitor’s read mark forward only', () => {
    apply(welcome({ conversations: [conversation('c1', { lastSeq: 5 })] }));
    apply({ type: 'read', conversationId: 'c1', by: 'visitor', seq: 4 });
    apply({ type: 'read', conversationId: 'c1', by: 'visitor', seq: 2 });
    expect($conversations.get().c1?.visitorReadSeq).toBe(4);
  });

  it('tracks visitor presence', () => {
    apply({ type: 'visitor', visitorId: 'v1', online: true });
    expect($visitorOnline.get().v1).toBe(true);
  });
});
