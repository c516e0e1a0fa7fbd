import { queueHost } from '../defaults.js';
import type { KinglyKeys } from '../keys.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { StatusRedis } from './status-redis.js';

/** A host queue (`<queue>@<host>`, hostQueueName) that has jobs waiting or running. */
export interface HostQueueStatus {
  readonly queue: string;
  readonly host: string;
  /** Its jobs waiting for a worker of that host (queued records). */
  readonly queued: number;
  /** Its jobs running now (running records). */
  readonly running: number;
}

/**
 * Per host queue, how many of its jobs are queued: the size of the intersection of its queue index
 * and the queued state index, walking the smaller of the two (read-only; no ZINTERCARD, which needs
 * Redis 7). One count per index key after the first.
 */
const QUEUED_IN = `
local queued = KEYS[1]
local nQueued = redis.call('ZCARD', queued)
local counts = {}
for i = 2, #KEYS do
  local index = KEYS[i]
  local walk, probe = index, queued
  if redis.call('ZCARD', index) > nQueued then walk, probe = queued, index end
  local n = 0
  for _, id in ipairs(redis.call('ZRANGE', walk, 0, -1)) do
    if redis.call('ZSCORE', probe, id) then n = n + 1 end
  end
  counts[#counts + 1] = n
end
return counts`;

/** The host queues among `queues` with jobs queued or running, by name. */
export async function hostQueueStatus(redis: StatusRedis, keys: KinglyKeys, queues: readonly string[], running: readonly JobRecord[]): Promise<HostQueueStatus[]> {
  const hostQueues = queues.filter((q) => queueHost(q) !== undefined).sort();
  if (hostQueues.length === 0) return [];
  const queued = (await redis.eval(QUEUED_IN, hostQueues.length + 1, keys.stateIndex('queued'), ...hostQueues.map((q) => keys.queueIndex(q)))) as number[];
  return hostQueues
    .map((queue, i) => ({ queue, host: queueHost(queue)!, queued: Number(queued[i] ?? 0), running: running.filter((r) => r.queue === queue).length }))
    .filter((q) => q.queued > 0 || q.running > 0);
}
