/**
 * The limits contract: every `Limits` implementation (in memory, Redis) must pass this suite.
 * `describeLimits(name, open)` is called by one test file per implementation.
 *
 * `open(now)` returns a fresh, empty `Limits` for one test, reading time from `now` (a clock the
 * test moves by hand) for buckets and backoff; it closes what it opened after the test itself.
 * Bucket rules refill slowly (minutes per token), so a store that also expires keys by real
 * time (Redis) never forgets a bucket while a test runs.
 */
import { describe, expect, it } from 'vitest';
import type { Limits } from '../src/limits.js';

export type OpenLimits = (now: () => number) => Promise<Limits>;

/** One token per 100 s: refills only when the test moves the clock. */
const slow = { burst: 3, refillPerSec: 0.01 };

async function takeAll(limits: Limits, key: string, n: number, rule = slow): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(await limits.take(key, rule));
  return out;
}

export function describeLimits(name: string, open: OpenLimits): void {
  describe(`${name} limits`, () => {
    let clock = 1_000_000;
    const now = () => clock;
    const setup = () => {
      clock = 1_000_000;
      return open(now);
    };

    describe('a token bucket', () => {
      it('starts full and refuses once its burst is spent', async () => {
        const limits = await setup();
        expect(await takeAll(limits, 'visitor:v1', 4)).toEqual([true, true, true, false]);
      });

      it('refills at its rate and never beyond its burst', async () => {
        const limits = await setup();
        await takeAll(limits, 'visitor:v1', 3);
        clock += 100_000; // one token at 0.01/s
        expect(await takeAll(limits, 'visitor:v1', 2)).toEqual([true, false]);
        clock += 50_000; // half a token
        expect(await limits.take('visitor:v1', slow)).toBe(false);
        clock += 50_000; // the other half
        expect(await limits.take('visitor:v1', slow)).toBe(true);
        clock += 100_000_000; // ten thousand tokens' worth: still only the burst
        expect(await takeAll(limits, 'visitor:v1', 4)).toEqual([true, true, true, false]);
      });

      it('keeps each key apart', async () => {
        const limits = await setup();
        await takeAll(limits, 'visitor:v1', 3);
        expect(await limits.take('visitor:v1', slow)).toBe(false);
        expect(await takeAll(limits, 'visitor:v2', 4)).toEqual([true, true, true, false]);
      });

      it('hands out exactly its burst to concurrent takes', async () => {
        const limits = await setup();
        const rule = { burst: 5, refillPerSec: 0.01 };
        const got = await Promise.all(Array.from({ length: 20 }, () => limits.take('ip:1', rule)));
        expect(got.filter(Boolean)).toHaveLength(5);
      });
    });

    describe('slots', () => {
      it('holds at most max of a key, and a release frees one', async () => {
        const limits = await setup();
        expect(await limits.acquire('visitor:v1', 2)).toBe(true);
        expect(await limits.acquire('visitor:v1', 2)).toBe(true);
        expect(await limits.acquire('visitor:v1', 2)).toBe(false);
        await limits.release('visitor:v1');
        expect(await limits.acquire('visitor:v1', 2)).toBe(true);
        expect(await limits.acquire('visitor:v1', 2)).toBe(false);
      });

      it('holds nothing when refused: a refused acquire needs no release', async () => {
        const limits = await setup();
        expect(await limits.acquire('ip:1', 1)).toBe(true);
        expect(await limits.acquire('ip:1', 1)).toBe(false);
        expect(await limits.acquire('ip:1', 1)).toBe(false);
        await limits.release('ip:1');
        expect(await limits.acquire('ip:1', 1)).toBe(true);
      });

      it('ignores a release of a key nobody holds', async () => {
        const limits = await setup();
        await limits.release('ip:1');
        expect(await limits.acquire('ip:1', 1)).toBe(true);
        expect(await limits.acquire('ip:1', 1)).toBe(false);
      });

      it('keeps each key apart', async () => {
        const limits = await setup();
        expect(await limits.acquire('visitor:v1', 1)).toBe(true);
        expect(await limits.acquire('visitor:v2', 1)).toBe(true);
        expect(await limits.acquire('visitor:v1', 1)).toBe(false);
      });

      it('grants exactly max to concurrent acquires, and all of them back after their releases', async () => {
        const limits = await setup();
        const got = await Promise.all(Array.from({ length: 20 }, () => limits.acquire('ip:1', 3)));
        expect(got.filter(Boolean)).toHaveLength(3);
        await Promise.all([1, 2, 3].map(() => limits.release('ip:1')));
        const again = await Promise.all(Array.from({ length: 5 }, () => limits.acquire('ip:1', 3)));
        expect(again.filter(Boolean)).toHaveLength(3);
      });
    });

    describe('sign-in backoff', () => {
      it('backs off exponentially after the free failures, up to the maximum', async () => {
        const limits = await setup();
        const rule = { freeFailures: 2, baseMs: 1000, maxMs: 5000 };
        const waits: number[] = [];
        for (let i = 0; i < 5; i++) {
          expect(await limits.attempt('account:ana', rule)).toBe(0);
          const wait = await limits.backoff('account:ana');
          waits.push(wait);
          // Refused while it waits, and a refused attempt counts nothing.
          if (wait > 0) expect(await limits.attempt('account:ana', rule)).toBe(wait);
          clock += wait;
        }
        expect(waits).toEqual([0, 1000, 2000, 4000, 5000]);
      });

      it('lets the account try again once the wait is over, and remembers the failures', async () => {
        const limits = await setup();
        const rule = { freeFailures: 2, baseMs: 1000, maxMs: 5000 };
        for (let i = 0; i < 4; i++) {
          await limits.attempt('account:ana', rule);
          clock += await limits.backoff('account:ana');
        }
        await limits.attempt('account:ana', rule);
        clock += 3000;
        expect(await limits.backoff('account:ana')).toBe(2000);
        clock += 2000;
        expect(await limits.attempt('account:ana', rule)).toBe(0);
        expect(await limits.backoff('account:ana')).toBe(5000);
      });

      it('counts concurrent attempts one by one: only the free failures pass', async () => {
        const limits = await setup();
        const rule = { freeFailures: 3, baseMs: 1000, maxMs: 5000 };
        const waits = await Promise.all(
          Array.from({ length: 20 }, () => limits.attempt('account:ana', rule)),
        );
        expect(waits.filter((w) => w === 0)).toHaveLength(3);
        expect(waits.filter((w) => w === 1000)).toHaveLength(17);
      });

      /** Ana failed twice with two free failures: her wait has begun. */
      const twoFree = { freeFailures: 2, baseMs: 1000, maxMs: 5000 };
      async function anaFailedTwice(): Promise<Limits> {
        const limits = await setup();
        await limits.attempt('account:ana', twoFree);
        await limits.attempt('account:ana', twoFree);
        expect(await limits.backoff('account:ana')).toBe(1000);
        return limits;
      }

      it('clears the failures on a success', async () => {
        const limits = await anaFailedTwice();
        const rule = twoFree;
        await limits.succeed('account:ana');
        expect(await limits.backoff('account:ana')).toBe(0);
        await limits.attempt('account:ana', rule);
        expect(await limits.backoff('account:ana')).toBe(0);
      });

      it('forgives an attempt that was not checked: within the free failures the wait is lifted', async () => {
        const limits = await anaFailedTwice();
        const rule = twoFree;
        await limits.forgive('account:ana', rule);
        expect(await limits.backoff('account:ana')).toBe(0);
        // One failure is still counted: the next attempt starts the wait again.
        expect(await limits.attempt('account:ana', rule)).toBe(0);
        expect(await limits.backoff('account:ana')).toBe(1000);
        await limits.forgive('account:ben', rule); // nothing counted: nothing to forgive
        expect(await limits.backoff('account:ben')).toBe(0);
      });

      it('keeps each account apart', async () => {
        const limits = await setup();
        const rule = { freeFailures: 1, baseMs: 1000, maxMs: 5000 };
        await limits.attempt('account:ana', rule);
        expect(await limits.backoff('account:ana')).toBe(1000);
        expect(await limits.backoff('account:ben')).toBe(0);
      });
    });
  });
}
