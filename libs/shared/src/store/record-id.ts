import type { Redis } from 'ioredis';
import { qualifiedJobId } from '../ids.js';
import type { KinglyKeys } from '../keys.js';

/**
 * The id of the record a worker keeps for a BullMQ job. kingly's client created the record at
 * enqueue under the job's own id, on the same queue: that id is kept. Any other job was added by
 * plain BullMQ, whose ids are unique only per queue, so its record, log and index entries are keyed
 * by `<queue>:<id>` (ids.ts). One HGET; the answer is the same for every attempt of the job.
 */
export async function recordIdFor(redis: Redis, keys: KinglyKeys, queue: string, bullId: string): Promise<string> {
  const owner = await redis.hget(keys.job(bullId), 'queue');
  return owner === queue ? bullId : qualifiedJobId(queue, bullId);
}
