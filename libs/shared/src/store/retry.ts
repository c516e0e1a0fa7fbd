import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import type { JobRecord } from '../schemas/job-record.js';
import { INDEX_KEY_COUNT, INDEX_LUA, indexKeys } from './index-keys.js';

// Back to `queued` between attempts. KEYS: the index block, the host's running hash (or the
// record's key when there is none: HDEL of an absent field is a no-op). ARGV: id, reason, worker
// id, attempt. Only while the record is still that attempt on that worker: a worker cut off from
// Redis whose writes land late must not touch the next attempt, which another worker runs.
const RETRYING_SCRIPT = `${INDEX_LUA}
local state = redis.call('HGET', KEYS[1], 'state')
if state and TERMINAL[state] then return 0 end
if redis.call('HGET', KEYS[1], 'workerId') ~= ARGV[3] or redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'reason', ARGV[2])
set_state(ARGV[1], 'queued')
redis.call('HDEL', KEYS[${INDEX_KEY_COUNT} + 1], ARGV[1])
return 1
`;

// The reaper's retry of a job whose worker was lost: only while the record is still running on
// that worker (checked in the script, so a finish in between wins). KEYS: the index block,
// lost-retries. ARGV: id, worker id, reason, now ms.
const LOST_RETRY_SCRIPT = `${INDEX_LUA}
if redis.call('HGET', KEYS[1], 'state') ~= 'running' or redis.call('HGET', KEYS[1], 'workerId') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'reason', ARGV[3])
set_state(ARGV[1], 'queued')
redis.call('ZADD', KEYS[${INDEX_KEY_COUNT} + 1], ARGV[4], ARGV[1])
return 1
`;

/**
 * Between attempts: the job is queued again, its log stays open; `reason` says which attempt ended
 * how, and when the next one starts. Returns false when the job had already ended, or when the
 * record is no longer `record.attempt` on `record.workerId` (a late write of a fenced worker).
 */
export async function markRetrying(redis: Redis, keys: KinglyKeys, record: JobRecord, reason: string): Promise<boolean> {
  const running = record.host ? keys.running(record.host) : keys.job(record.id);
  return (await redis.eval(RETRYING_SCRIPT, INDEX_KEY_COUNT + 1, ...indexKeys(keys, record), running, record.id, reason, record.workerId ?? '', String(record.attempt))) === 1;
}

/**
 * A running job whose worker `workerId` was lost and that has attempts left: queued again and
 * put on `lost-retries` for the reaper to hand back to BullMQ. Returns false when the record is no
 * longer running on that worker.
 */
export async function markLostRetry(redis: Redis, keys: KinglyKeys, record: JobRecord, workerId: string, reason: string, now = Date.now()): Promise<boolean> {
  return (await redis.eval(LOST_RETRY_SCRIPT, INDEX_KEY_COUNT + 1, ...indexKeys(keys, record), keys.lostRetries, record.id, workerId, reason, String(now))) === 1;
}
