import type { StatusRedis } from './status-redis.js';
import type { KinglyKeys } from '../keys.js';

/** Every queue that has had a job, the default one first. */
export async function knownQueues(redis: StatusRedis, keys: KinglyKeys, defaultQueue: string): Promise<string[]> {
  const names = await redis.smembers(keys.queues);
  return [defaultQueue, ...names.filter((n) => n !== defaultQueue).sort()];
}
