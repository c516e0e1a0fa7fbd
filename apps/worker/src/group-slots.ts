import type { Redis } from 'ioredis';
import type { KinglyKeys } from '@kingly/cmd';

// Takes a run slot of a group when fewer than `limit` are held (idempotent for the same job).
const ACQUIRE = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[1], ARGV[1])
  return 1
end
return 0
`;

/** True when `jobId` holds one of the `limit` slots of the set at `key` (taken now, or already). */
export async function acquireSlot(redis: Redis, key: string, jobId: string, limit: number): Promise<boolean> {
  return (await redis.eval(ACQUIRE, 1, key, jobId, String(limit))) === 1;
}

/** True when the job may run now under its group's concurrency cap. */
export async function acquireGroupSlot(redis: Redis, keys: KinglyKeys, group: string, jobId: string, limit: number): Promise<boolean> {
  return acquireSlot(redis, keys.groupSlots(group), jobId, limit);
}

export async function releaseGroupSlot(redis: Redis, keys: KinglyKeys, group: string, jobId: string): Promise<void> {
  await redis.srem(keys.groupSlots(group), jobId);
}
