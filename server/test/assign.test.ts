/** Automatic assignment decisions (routing/assign.ts): capacity, ties, departments, presence. */
import { describe, expect, it } from 'vitest';
import { type Candidate, canTake, pickAgent, planAssignments } from '../src/routing/assign.js';

const agent = (agentId: string, extra: Partial<Candidate> = {}): Candidate => ({
  agentId,
  online: true,
  load: 0,
  capacity: 3,
  departments: [],
  lastAssignedAt: 0,
  ...extra,
});

describe('who can take a conversation', () => {
  it.each([
    ['online, under capacity, no departments', agent('a'), null, true],
    ['offline', agent('a', { online: false }), null, false],
    ['at capacity', agent('a', { load: 3 }), null, false],
    ['no capacity set: no limit', agent('a', { load: 99, capacity: null }), null, true],
    ['in the department', agent('a', { departments: ['Sales'] }), 'Sales', true],
    ['not in the department', agent('a', { departments: ['Billing'] }), 'Sales', false],
    ['no departments: every department', agent('a'), 'Sales', true],
    ['a department agent takes the general queue', agent('a', { departments: ['Sales'] }), null, true],
  ])('%s', (_what, c, department, expected) => {
    expect(canTake(c, department)).toBe(expected);
  });
});

describe('who gets it', () => {
  it.each([
    [
      'the least busy',
      [agent('a', { load: 2 }), agent('b', { load: 1 }), agent('c', { load: 2 })],
      null,
      'b',
    ],
    [
      'on a tie, the one whose last chat is the oldest',
      [agent('a', { load: 1, lastAssignedAt: 50 }), agent('b', { load: 1, lastAssignedAt: 10 })],
      null,
      'b',
    ],
    ['on a full tie, the smallest id', [agent('b'), agent('a')], null, 'a'],
    [
      'the busy one when the others are away',
      [agent('a', { load: 2 }), agent('b', { online: false })],
      null,
      'a',
    ],
    ['nobody when everyone is at capacity', [agent('a', { load: 3 }), agent('b', { load: 3 })], null, null],
    [
      'only the department',
      [agent('a', { departments: ['Billing'] }), agent('b', { load: 2, departments: ['Sales'] })],
      'Sales',
      'b',
    ],
  ])('%s', (_what, candidates, department, expected) => {
    expect(pickAgent(candidates, department)?.agentId ?? null).toBe(expected);
  });
});

describe('a queue, oldest first', () => {
  it('fills agents evenly up to their capacity, round robin, and leaves the rest waiting', () => {
    const queue = Array.from({ length: 8 }, (_, i) => ({ conversationId: `c${i}`, department: null }));
    const plan = planAssignments(
      queue,
      [agent('a', { capacity: 2 }), agent('b', { capacity: 3 }), agent('c', { load: 1, capacity: 2 })],
      100,
    );
    expect(plan).toEqual([
      { conversationId: 'c0', agentId: 'a' },
      { conversationId: 'c1', agentId: 'b' },
      { conversationId: 'c2', agentId: 'c' },
      { conversationId: 'c3', agentId: 'a' },
      { conversationId: 'c4', agentId: 'b' },
      { conversationId: 'c5', agentId: 'b' },
    ]);
  });

  it('a conversation nobody of its department can take waits; later ones of other departments go on', () => {
    const plan = planAssignments(
      [
        { conversationId: 'sales-1', department: 'Sales' },
        { conversationId: 'billing-1', department: 'Billing' },
      ],
      [agent('b', { departments: ['Billing'] }), agent('s', { departments: ['Sales'], online: false })],
      0,
    );
    expect(plan).toEqual([{ conversationId: 'billing-1', agentId: 'b' }]);
  });

  it('nobody online: nothing is assigned', () => {
    expect(
      planAssignments([{ conversationId: 'c', department: null }], [agent('a', { online: false })], 0),
    ).toEqual([]);
  });
});
