import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** True when the run was started with SB_SKIP_REDIS=1 (Redis suites are skipped). */
export const redisSkipped = inject('redisUrl') === '';

export interface RedisTestKeys {
  /** `sb_test:<random>:` — every key and channel of one test starts with it, so parallel files never collide. */
  prefix: string;
  /** A new connection to the test server; `drop()` closes it. */
  connect(): Redis;
  /** Deletes the keys under `prefix` and closes the connections made with `connect()`. */
  drop(): Promise<void>;
}

/** A fresh key space on the shared test server (one server per run, one prefix per test). */
export function redisTestKeys(): RedisTestKeys {
  const prefix = `sb_test:${randomBytes(6).toString('hex')}:`;
  const clients: Redis[] = [];
  const connect = (): Redis => {
    const c = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  return {
    prefix,
    connect,
    async drop() {
      const c = connect();
      const keys = await redisKeys(c, prefix);
      if (keys.length > 0) await c.unlink(...keys);
      await Promise.all(clients.splice(0).map((k) => k.quit().catch(() => k.disconnect())));
    },
  };
}

/** The keys under `prefix`, sorted (what a test left behind). */
export async function redisKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}
