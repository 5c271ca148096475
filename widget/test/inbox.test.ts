import type { ServerFrame } from '@switchboard/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { createInbox } from '../src/inbox';
import type { KV } from '../src/storage';
import { $conversation } from '../src/stores/conversation';
import { $messages } from '../src/stores/messages';
import { $outbox, bindOutbox, enqueue } from '../src/stores/outbox';
import { resetStores } from '../src/stores/reset';
import { $agentsOnline } from '../src/stores/site';
import { $typing } from '../src/stores/typing';
import { kv, msg, site, summary } from './helpers';

let storage: KV;
let events: Array<[string, unknown]>;
let synced: number;
let retries: string[];
let inbox: (f: ServerFrame) => void;

function fresh(store = kv()) {
  storage = store;
  events = [];
  synced = 0;
  retries = [];
  inbox = createInbox({
    kv: storage,
    emit: (e, p) => events.push([e, p]),
    onSynced: () => synced++,
    retrySoon: (cid) => retries.push(cid),
  });
}

const welcome = (extra = {}): ServerFrame => ({
  type: 'welcome',
  v: 1,
  role: 'visitor',
  visitorId: 'v1',
  conversations: [summary(extra)],
  site,
});
const history = (...seqs: number[]): ServerFrame => ({
  type: 'history',
  conversationId: 'c1',
  messages: seqs.map((s) => msg(s, s % 2 ? 'visitor' : 'agent')),
});
const seqs = () => $messages.get().map((m) => m.seq);

beforeEach(() => {
  resetStores();
  fresh();
});

describe('inbox: resume and dedupe', () => {
  it('shows each message once across the replay/live seam', () => {
    inbox(welcome());
    inbox(history(1, 2, 3));
    inbox({ type: 'message', message: msg(3) }); // published while the replay was read
    inbox({ type: 'synced' });
    inbox({ type: 'message', message: msg(4) });
    inbox({ type: 'message', message: msg(4) });
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(synced).toBe(1);
  });

  it('an ack racing its own echo yields one message, and the pending entry goes away', () => {
    bindOutbox(storage);
    inbox(welcome());
    inbox({ type: 'synced' });
    enqueue('hello', 'cid-a', 5);
    enqueue('again', 'cid-b', 6);
    // echo first, then ack
    inbox({ type: 'message', message: msg(1, 'visitor', { cid: 'cid-a', text: 'hello' }) });
    inbox({ type: 'ack', cid: 'cid-a', conversationId: 'c1', seq: 1, messageId: 'm1', at: 7 });
    // ack first, then echo
    inbox({ type: 'ack', cid: 'cid-b', conversationId: 'c1', seq: 2, messageId: 'm2', at: 8 });
    inbox({ type: 'message', message: msg(2, 'visitor', { cid: 'cid-b', text: 'again' }) });
    expect($messages.get().map((m) => [m.seq, m.text])).toEqual([
      [1, 'hello'],
      [2, 'again'],
    ]);
    expect($outbox.get()).toEqual([]);
    expect(storage.get('outbox')).toBeNull();
  });

  it('a lost ack is healed by the replay: the resent message is recognised by cid', () => {
    bindOutbox(storage);
    enqueue('lost ack', 'cid-x', 1);
    inbox(welcome());
    inbox({
      type: 'history',
      conversationId: 'c1',
      messages: [msg(1, 'visitor', { cid: 'cid-x', text: 'lost ack' })],
    });
    expect($outbox.get()).toEqual([]);
    // The server acks the duplicate resend with the original seq: still one message.
    inbox({ type: 'ack', cid: 'cid-x', conversationId: 'c1', seq: 1, messageId: 'm1' });
    expect(seqs()).toEqual([1]);
  });

  it('an agent message that arrives after a later ack is still shown (no "≤ highest" drop)', () => {
    bindOutbox(storage);
    inbox(welcome());
    inbox({ type: 'synced' });
    enqueue('mine', 'cid-m', 1);
    inbox({ type: 'ack', cid: 'cid-m', conversationId: 'c1', seq: 5, messageId: 'm5' });
    inbox({ type: 'message', message: msg(4) });
    expect(seqs()).toEqual([5, 4].sort());
  });

  it('a reconnect during replay does not duplicate', () => {
    inbox(welcome());
    inbox(history(1, 2));
    // socket dropped before synced; new socket resumes from the cursor
    inbox(welcome());
    inbox(history(2, 3));
    inbox({ type: 'synced' });
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('switches to a newer conversation and ignores frames of older ones', () => {
    inbox(welcome());
    inbox(history(1, 2));
    inbox({ type: 'message', message: msg(1, 'agent', { conversationId: 'old', at: 1 }) });
    expect(seqs()).toEqual([1, 2]);
    inbox({
      type: 'conversation',
      conversation: summary({ id: 'c2', createdAt: summary().createdAt + 10 }),
    });
    expect($conversation.get()?.id).toBe('c2');
    expect(seqs()).toEqual([]);
  });
});

describe('inbox: events', () => {
  it('fires message for new agent/system messages only, not for the first replayed history', () => {
    inbox(welcome());
    inbox(history(1, 2));
    inbox({ type: 'synced' });
    expect(events).toEqual([]);
    inbox({ type: 'message', message: msg(3, 'visitor') });
    inbox({ type: 'message', message: msg(4, 'agent') });
    expect(events).toEqual([
      [
        'message',
        { id: 'm4', seq: 4, text: 'text 4', author: { kind: 'agent', name: 'Ana Silva' }, at: msg(4).at },
      ],
    ]);
  });

  it('after a reload, fires only for messages missed since the last page', () => {
    inbox(welcome());
    inbox(history(1, 2));
    inbox({ type: 'synced' });
    inbox({ type: 'message', message: msg(4) });
    events = [];
    resetStores();
    fresh(storage); // same storage: the next page load
    inbox(welcome());
    inbox(history(1, 2, 3, 4, 5, 6));
    inbox({ type: 'synced' });
    expect(events.map(([, m]) => (m as { seq: number }).seq)).toEqual([6]);
  });
});

describe('inbox: errors, typing, presence, read', () => {
  it('marks a refused message "Not sent", retries transient refusals', () => {
    bindOutbox(storage);
    enqueue('too long', 'c-long', 1);
    enqueue('busy', 'c-busy', 2);
    inbox({ type: 'error', code: 'SB_ERR_TEXT_TOO_LONG', message: 'x', cid: 'c-long' });
    inbox({ type: 'error', code: 'SB_ERR_RATE_LIMITED', message: 'x', cid: 'c-busy' });
    inbox({ type: 'error', code: 'SB_ERR_BAD_JSON', message: 'x' });
    expect($outbox.get().map((e) => [e.cid, e.failed])).toEqual([
      ['c-long', 'SB_ERR_TEXT_TOO_LONG'],
      ['c-busy', undefined],
    ]);
    expect(retries).toEqual(['c-busy']);
  });

  it('tracks agent typing (cleared by their message), presence and Seen', () => {
    inbox(welcome());
    inbox({ type: 'typing', conversationId: 'c1', from: { kind: 'agent', name: 'Ana' }, on: true });
    expect($typing.get()).toBe('Ana');
    inbox({ type: 'message', message: msg(1) });
    expect($typing.get()).toBeNull();
    inbox({
      type: 'presence',
      agent: { id: 'a', siteId: 'demo', email: 'a@x', name: 'A', role: 'agent', status: 'offline' },
      agentsOnline: false,
    });
    expect($agentsOnline.get()).toBe(false);
    inbox({ type: 'read', conversationId: 'c1', by: 'agent', seq: 1 });
    expect($conversation.get()?.agentReadSeq).toBe(1);
    inbox({ type: 'read', conversationId: 'c1', by: 'visitor', seq: 1 });
    expect($conversation.get()?.visitorReadSeq).toBe(1);
  });
});
