import { describe, expect, it } from 'vitest';
import { MemoryLimits } from '../src/limits.js';
import { describeLimits } from './limits-contract.js';

// The single-node default: counters in this process.
describeLimits('in-memory', async (now) => new MemoryLimits(now));

describe('in-memory sign-in failures', () => {
  it('are held for a bounded number of accounts, the least recently counted forgotten first', async () => {
    let clock = 1_000_000;
    const limits = new MemoryLimits(() => clock, 3);
    const rule = { freeFailures: 1, baseMs: 1000, maxMs: 5000 };
    for (const k of ['a', 'b', 'c']) expect(await limits.attempt(k, rule)).toBe(0);
    clock += 1000;
    expect(await limits.attempt('a', rule)).toBe(0); // a counted again: now the newest
    expect(await limits.attempt('d', rule)).toBe(0); // a fourth account: b, the oldest, goes
    expect(['a', 'b', 'c', 'd'].map((k) => limits.failureCount(k))).toEqual([2, 0, 1, 1]);
  });
});
