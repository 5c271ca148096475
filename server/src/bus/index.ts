import { InProcessBus } from './in-process.js';
import { RedisBus, type RedisBusOptions } from './redis.js';
import type { Bus } from './types.js';

export { InProcessBus } from './in-process.js';
export { RedisBus } from './redis.js';
export type * from './types.js';

/** REDIS_URL unset → in-process bus (one node); set → the Redis bus shared by every node. */
export async function openBus(redisUrl: string | null, opts: RedisBusOptions = {}): Promise<Bus> {
  if (redisUrl === null) return new InProcessBus();
  return RedisBus.open(redisUrl, opts);
}
