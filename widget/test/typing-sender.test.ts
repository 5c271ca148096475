import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createTypingSender } from '../src/typing-sender';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('sends "on" at most every 2 s while typing and "off" after 4 s idle or on send', () => {
  const sent: boolean[] = [];
  const t = createTypingSender(
    (on) => sent.push(on),
    () => Date.now(),
  );
  t.input();
  t.input();
  vi.advanceTimersByTime(1000);
  t.input();
  expect(sent).toEqual([true]);
  vi.advanceTimersByTime(1000);
  t.input();
  expect(sent).toEqual([true, true]);
  vi.advanceTimersByTime(4000);
  expect(sent).toEqual([true, true, false]);
  t.input();
  t.stop();
  t.stop();
  expect(sent).toEqual([true, true, false, true, false]);
  // The panel closes while typing: "off" at once, and no timer left behind.
  t.input();
  t.stop();
  expect(sent).toEqual([true, true, false, true, false, true, false]);
  expect(vi.getTimerCount()).toBe(0);
});
