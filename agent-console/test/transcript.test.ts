import { describe, expect, it } from 'vitest';
import { buildTranscript } from '../src/lib/transcript.js';
import type { OutboxEntry } from '../src/stores/outbox.js';
import { ana, message, note } from './fixtures.js';

const agentMessage = (seq: number) =>
  message('c', seq, { author: { kind: 'agent', id: ana.id, name: ana.name } });

describe('buildTranscript', () => {
  it('places notes after the message they followed, pending lines last', () => {
    const pending: OutboxEntry = {
      cid: 'p1',
      conversationId: 'c',
      kind: 'send',
      text: 'on its way',
      at: 9,
      state: 'inflight',
      error: null,
    };
    const items = buildTranscript(
      [message('c', 1), message('c', 2), message('c', 3)],
      [note('c', 'n0', 0), note('c', 'n2', 2), note('c', 'n9', 9)],
      [pending],
      0,
    );
    expect(items.map((i) => i.key)).toEqual(['n:n0', 'm:1', 'm:2', 'n:n2', 'm:3', 'n:n9', 'p:p1']);
  });

  it('marks agent messages up to the visitor’s read seq as seen', () => {
    const items = buildTranscript([message('c', 1), agentMessage(2), agentMessage(3)], [], [], 2);
    expect(items.map((i) => (i.kind === 'message' ? i.seen : null))).toEqual([false, true, false]);
  });
});
