import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { type LimitsLogger, RedisLimits, type RedisLimitsOptions } from '../src/limits-redis.js';
import { describeLimits } from './limits-contract.js';
import { type RedisTestKeys, redisKeys, redisSkipped, redisTestKeys } from './redis-helpers.js';

/** A logger that records instead of printing. */
function quietLog() {
  return { warn: vi.fn<LimitsLogger['warn']>(), info: vi.fn<LimitsLogger['info']>() };
}

/** A key space for one test; closes the nodes made with `node()`, then drops the keys. */
function cluster() {
  const space: RedisTestKeys = redisTestKeys();
  const nodes: RedisLimits[] = [];
  onTestFinished(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await space.drop();
  });
  /** One gateway node: its own connection, its own node id, the shared prefix. */
  const node = (opts: Partial<RedisLimitsOptions> & { client?: Redis } = {}) => {
    const n = new RedisLimits({
      redis: opts.client ?? space.connect(),
      prefix: space.prefix,
      log: quietLog(),
      ...opts,
    });
    nodes.push(n);
    return n;
  };
  return { space, node };
}

describe.skipIf(redisSkipped)('Redis', () => {
  describeLimits('Redis', async (now) => cluster().node({ now }));

  describe('RedisLimits on two gateway nodes', () => {
    it('share one token bucket', async () => {
      let clock = 1_000_000;
      const { node } = cluster();
      const a = node({ now: () => clock });
      const b = node({ now: () => clock });
      const rule = { burst: 3, refillPerSec: 0.01 };
      expect(await a.take('visitor:v1', rule)).toBe(true);
      expect(await a.take('visitor:v1', rule)).toBe(true);
      expect(await b.take('visitor:v1', rule)).toBe(true);
      expect(await b.take('visitor:v1', rule)).toBe(false);
      expect(await a.take('visitor:v1', rule)).toBe(false);
      clock += 100_000;
      expect(await b.take('visitor:v1', rule)).toBe(true);
      expect(await a.take('visitor:v1', rule)).toBe(false);
    });

    it('lease tokens of one bucket: together they spend exactly its burst, each its own lease', async () => {
      const clock = 1_000_000;
      const { node } = cluster();
      const a = node({ now: () => clock });
      const b = node({ now: () => clock });
      const rule = { burst: 30, refillPerSec: 1 }; // leases of 5 (what refills in 5 s)
      const take = async (n: RedisLimits, times: number) => {
        let granted = 0;
        for (let i = 0; i < times; i++) if (await n.take('visitor:v1', rule)) granted++;
        return granted;
      };
      expect(await take(a, 3)).toBe(3); // a leased 5: 2 left on a
      expect(await take(b, 40)).toBe(25); // the rest of the bucket
      expect(await take(a, 5)).toBe(2); // a's own leftovers, then refused
      expect(await take(b, 5)).toBe(0);
    });

    it('never spend a lease after it ends: its unspent tokens do not add to a refilled bucket', async () => {
      let clock = 1_000_000;
      const { node } = cluster();
      const a = node({ now: () => clock, leaseMs: 5000 });
      const rule = { burst: 10, refillPerSec: 1 };
      expect(await a.take('visitor:v1', rule)).toBe(true); // leased 5, 4 left
      clock += 5000; // the lease ended; the bucket refilled to its burst
      let granted = 0;
      for (let i = 0; i < 20; i++) if (await a.take('visitor:v1', rule)) granted++;
      expect(granted).toBe(10); // not 14: the 4 left of the old lease are gone
    });

    it('ask Redis once per lease, and not at all while a refusal holds', async () => {
      let clock = 1_000_000;
      const { space, node } = cluster();
      const client = space.connect();
      const a = node({ now: () => clock, client });
      const calls = vi.spyOn(client, 'sbLimitsLease');
      const rule = { burst: 30, refillPerSec: 1 };
      const results: boolean[] = [];
      for (let i = 0; i < 40; i++) results.push(await a.take('visitor:v1', rule));
      expect(results.filter(Boolean)).toHaveLength(30);
      // Leases of 5 while the bucket holds 10 or more (5 calls), then one token each (5), one refusal.
      expect(calls).toHaveBeenCalledTimes(11);
      clock += 999;
      expect(await a.take('visitor:v1', rule)).toBe(false); // still refused, from memory
      expect(calls).toHaveBeenCalledTimes(11);
      clock += 1;
      expect(await a.take('visitor:v1', rule)).toBe(true); // the next token is due: asked again
      expect(calls).toHaveBeenCalledTimes(12);
    });

    it('share the slots of a key: a release on one node frees a slot for the other', async () => {
      const { node } = cluster();
      const a = node();
      const b = node();
      expect(await a.acquire('ip:1', 3)).toBe(true);
      expect(await a.acquire('ip:1', 3)).toBe(true);
      expect(await b.acquire('ip:1', 3)).toBe(true);
      expect(await b.acquire('ip:1', 3)).toBe(false);
      expect(await a.acquire('ip:1', 3)).toBe(false);
      await a.release('ip:1');
      expect(await b.acquire('ip:1', 3)).toBe(true);
      expect([a.held('ip:1'), b.held('ip:1')]).toEqual([1, 2]);
    });

    it('grant exactly max between them to concurrent acquires', async () => {
      const { node } = cluster();
      const a = node();
      const b = node();
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).acquire('ip:1', 5)));
      expect(got.filter(Boolean)).toHaveLength(5);
      expect(a.held('ip:1') + b.held('ip:1')).toBe(5);
    });

    it('share the sign-in backoff of an account', async () => {
      const clock = 1_000_000;
      const { node } = cluster();
      const a = node({ now: () => clock });
      const b = node({ now: () => clock });
      const rule = { freeFailures: 2, baseMs: 1000, maxMs: 5000 };
      expect(await a.attempt('account:ana', rule)).toBe(0);
      expect(await b.attempt('account:ana', rule)).toBe(0);
      expect(await a.backoff('account:ana')).toBe(1000);
      expect(await b.attempt('account:ana', rule)).toBe(1000);
      await a.succeed('account:ana');
      expect(await b.backoff('account:ana')).toBe(0);
    });

    it('keep the slots of a live node beyond the TTL, and free those of a dead node within it', async () => {
      const { space, node } = cluster();
      const aClient = space.connect();
      const a = node({ client: aClient, slotTtlMs: 1500 });
      const b = node({ slotTtlMs: 1500 });
      expect(await a.acquire('ip:1', 3)).toBe(true);
      expect(await a.acquire('ip:1', 3)).toBe(true);
      // b holds one too, so its heartbeats keep the key itself alive: only a's liveness can expire.
      expect(await b.acquire('ip:1', 3)).toBe(true);
      // Four heartbeats (every 500 ms) span more than one TTL: a's slots still count.
      await vi.waitFor(() => expect(a.heartbeats).toBeGreaterThanOrEqual(4), {
        timeout: 20_000,
        interval: 50,
      });
      expect(await b.acquire('ip:1', 3)).toBe(false);

      aClient.disconnect(); // node a is gone for Redis: no more heartbeats
      await vi.waitFor(async () => expect(await b.acquire('ip:1', 3)).toBe(true), {
        timeout: 20_000,
        interval: 100,
      });
      expect(await b.acquire('ip:1', 3)).toBe(true);
      expect(await b.acquire('ip:1', 3)).toBe(false);
      const check = space.connect();
      expect(await check.hgetall(`${space.prefix}s:ip:1`)).toEqual({ [b.nodeId]: '3' });
    });

    it('free the slots of a node that closes at once', async () => {
      const { node } = cluster();
      const a = node({ slotTtlMs: 600_000 });
      const b = node({ slotTtlMs: 600_000 });
      expect(await a.acquire('ip:1', 1)).toBe(true);
      expect(await b.acquire('ip:1', 1)).toBe(false);
      await a.close();
      expect(await b.acquire('ip:1', 1)).toBe(true);
    });
  });

  describe('RedisLimits when Redis is unreachable', () => {
    it('fails open at once when the connection is down, counts it and warns once', async () => {
      const { space, node } = cluster();
      const client = space.connect();
      const log = quietLog();
      const limits = node({ client, log });
      await client.ping();
      client.disconnect();
      const rule = { burst: 1, refillPerSec: 0.01 };
      expect(await limits.take('ip:1', rule)).toBe(true);
      expect(await limits.take('ip:1', rule)).toBe(true);
      expect(await limits.acquire('ip:1', 1)).toBe(true);
      expect(await limits.acquire('ip:1', 1)).toBe(true);
      expect(await limits.attempt('account:ana', { freeFailures: 0, baseMs: 1000, maxMs: 1000 })).toBe(0);
      expect(await limits.backoff('account:ana')).toBe(0);
      expect(limits.degraded).toBe(6);
      expect(log.warn).toHaveBeenCalledTimes(1);
      expect(log.warn.mock.calls[0]?.[1]).toMatch(/failing open/);
    });

    it('does not wait longer than its timeout for a server that never answers', async () => {
      const silent = await silentServer();
      const { node } = cluster();
      const client = new Redis(silent.port, '127.0.0.1', { maxRetriesPerRequest: null });
      onTestFinished(() => client.disconnect());
      const limits = node({ client, timeoutMs: 100 });
      expect(await limits.take('ip:1', { burst: 1, refillPerSec: 1 })).toBe(true);
      expect(await limits.acquire('ip:1', 1)).toBe(true);
      expect(limits.degraded).toBe(2);
    });

    it('writes a slot taken during the outage to Redis once it answers again', async () => {
      const { space, node } = cluster();
      const aClient = space.connect();
      const log = quietLog();
      const a = node({ client: aClient, log, slotTtlMs: 1500 });
      const b = node({ slotTtlMs: 1500 });
      await aClient.ping();
      aClient.disconnect();
      expect(await a.acquire('ip:1', 1)).toBe(true); // failed open, held locally
      expect(a.held('ip:1')).toBe(1);
      await aClient.connect();
      const beats = a.heartbeats;
      await vi.waitFor(() => expect(a.heartbeats).toBeGreaterThan(beats), { timeout: 20_000, interval: 50 });
      expect(log.info).toHaveBeenCalledTimes(1);
      expect(await b.acquire('ip:1', 1)).toBe(false);
      await a.release('ip:1');
      expect(await b.acquire('ip:1', 1)).toBe(true);
    });
  });

  describe('RedisLimits keys', () => {
    it('all expire: buckets when full again, failures after an hour, slots after the TTL', async () => {
      const { space, node } = cluster();
      const limits = node({ slotTtlMs: 30_000 });
      await limits.take('ip:1', { burst: 10, refillPerSec: 1 });
      await limits.attempt('account:ana', { freeFailures: 0, baseMs: 1000, maxMs: 1000 });
      await limits.acquire('ip:1', 5);
      const c = space.connect();
      const ttls: Record<string, number> = {};
      for (const k of await redisKeys(c, space.prefix)) ttls[k.slice(space.prefix.length)] = await c.pttl(k);
      expect(Object.keys(ttls).sort()).toEqual(['b:ip:1', 'f:account:ana', 'nodes', 's:ip:1']);
      for (const [k, ttl] of Object.entries(ttls)) expect(ttl, k).toBeGreaterThan(0);
      expect(ttls['b:ip:1']).toBeLessThanOrEqual(5000); // a lease of five tokens at 1/s
      expect(ttls['f:account:ana']).toBeLessThanOrEqual(60 * 60_000);
      expect(ttls['s:ip:1']).toBeLessThanOrEqual(30_000);
      expect(ttls.nodes).toBeLessThanOrEqual(30_000);
    });
  });
});

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { port: addr.port };
}
