import type { Redis } from 'ioredis';
import { finishJob } from './finish.js';
import type { KinglyKeys } from '../keys.js';
import type { JobRecord } from '../schemas/job-record.js';
import { LOG_FIELDS, STREAM_CODES } from '../schemas/log-entry.js';

/**
 * Ends a running job whose worker is gone as `worker-lost` (nobody saw it exit, so its outcome is
 * unknown): frees its group slot, says why in its log, and finishes it through finishJob. The
 * reaper (a heartbeat expired) and cancel (a kill nobody received) both end such jobs here.
 * Returns false when the job had already ended.
 */
export async function finishWorkerLost(redis: Redis, keys: KinglyKeys, record: JobRecord, reason: string, now = Date.now()): Promise<boolean> {
  const final: JobRecord = {
    ...record,
    state: 'worker-lost',
    reason,
    finishedAt: new Date(now).toISOString(),
    durationMs: record.startedAt ? now - Date.parse(record.startedAt) : null,
  };
  if (record.group) await redis.srem(keys.groupSlots(record.group), record.id);
  await redis.xadd(keys.logs(record.id), '*', LOG_FIELDS.stream, STREAM_CODES.system, LOG_FIELDS.line, `[kingly] ${reason}; the job is marked worker-lost`);
  return finishJob(redis, keys, final);
}
