import { InProcessBus } from './in-process.js';
import type { Bus } from './types.js';

export { InProcessBus } from './in-process.js';
export type * from './types.js';

/**
 * REDIS_URL unset → in-process bus. A Redis bus (ioredis; one channel per topic, envelope
 * de-duplicated per process) fits the same interface and comes with the scale-out work.
 */
export function openBus(redisUrl: string | null): Bus {
  if (redisUrl === null) return new InProcessBus();
  throw new Error('REDIS_URL is not supported yet: the Redis bus is not implemented; unset REDIS_URL');
}
