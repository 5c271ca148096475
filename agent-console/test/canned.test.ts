import type { ApiCanned } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { cannedQuery, expandCanned, matchCanned } from '../src/lib/canned.js';

const canned = (shortcut: string, text: string): ApiCanned => ({
  id: `cr_${shortcut}`,
  site: 'demo',
  shortcut,
  text,
  agentId: null,
  createdAt: 1,
  updatedAt: 1,
});

describe('cannedQuery', () => {
  it.each([
    ['/', ''],
    ['/hi', 'hi'],
    ['/HI', 'hi'],
    ['/re-fund', 're-fund'],
    ['hi', null], // not a command
    ['/hi there', null], // a sentence that starts with a slash
    ['/hi\n', null],
    ['//', null],
    ['', null],
    [' /hi', null],
  ])('%j → %j', (draft, query) => {
    expect(cannedQuery(draft)).toBe(query);
  });
});

describe('matchCanned', () => {
  const all = [
    canned('refund', 'Full refund within 30 days.'),
    canned('hi', 'Hi {visitor.name}!'),
    canned('shipping', 'Ships in 2 days; returns are free.'),
    canned('thanks', 'Thanks for waiting.'),
  ];
  it('lists everything, by shortcut, for a bare slash', () => {
    expect(matchCanned(all, '').map((c) => c.shortcut)).toEqual(['hi', 'refund', 'shipping', 'thanks']);
  });
  it('puts shortcuts that start with the filter first, then those containing it in shortcut or text', () => {
    expect(matchCanned(all, 're').map((c) => c.shortcut)).toEqual(['refund', 'shipping']);
    expect(matchCanned(all, 'ank').map((c) => c.shortcut)).toEqual(['thanks']);
    expect(matchCanned(all, 'WAIT').map((c) => c.shortcut)).toEqual(['thanks']);
    expect(matchCanned(all, 'zzz')).toEqual([]);
  });
});

describe('expandCanned', () => {
  it('fills the placeholders', () => {
    expect(
      expandCanned("Hi {visitor.name}, I'm {agent.name}. We'll write to {visitor.email}.", {
        visitorName: 'Maya',
        visitorEmail: 'maya@example.com',
        agentName: 'Ana Silva',
      }),
    ).toBe("Hi Maya, I'm Ana Silva. We'll write to maya@example.com.");
  });
  it('greets an anonymous visitor as "there" and leaves unknown braces alone', () => {
    expect(
      expandCanned('Hi {visitor.name} {order.id} {agent.name}{agent.name}', {
        visitorName: '  ',
        visitorEmail: null,
        agentName: 'Ben',
      }),
    ).toBe('Hi there {order.id} BenBen');
  });
  it('never interprets $ patterns in values', () => {
    expect(
      expandCanned('{visitor.name}', { visitorName: "$& $1 $'", visitorEmail: null, agentName: 'A' }),
    ).toBe("$& $1 $'");
  });
});
