import type { AgentTypingFrame } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTypingSender, TYPING_IDLE_MS } from '../src/client/typing.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('typing sender', () => {
  it('sends at most one `on` per 2 s and `off` after 4 s idle', () => {
    const sent: AgentTypingFrame[] = [];
    const typing = createTypingSender((f) => sent.push(f));
    typing.typed('c1');
    vi.advanceTimersByTime(500);
    typing.typed('c1');
    vi.advanceTimersByTime(1_600);
    typing.typed('c1');
    expect(sent.map((f) => f.on)).toEqual([true, true]);
    vi.advanceTimersByTime(TYPING_IDLE_MS);
    expect(sent.map((f) => f.on)).toEqual([true, true, false]);
  });

  it('turns off on send and when switching conversations', () => {
    const sent: AgentTypingFrame[] = [];
    const typing = createTypingSender((f) => sent.push(f));
    typing.typed('c1');
    typing.typed('c2');
    typing.stopTyping('c2');
    expect(sent.map((f) => `${f.conversationId}:${f.on}`)).toEqual([
      'c1:true',
      'c1:false',
      'c2:true',
      'c2:false',
    ]);
  });
});
