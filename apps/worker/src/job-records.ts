import type { Redis } from 'ioredis';
import type { ReapEntry } from './reap-entry.js';
import {
  CANCEL_FIELD, EVENTS_MAXLEN, eventFields, finishJob, recordToHash, specToHash,
  type JobData, type JobRecord, type KinglyKeys, type Outcome,
} from '@kingly/cmd';

/**
 * Writes the running record, the `started` event and the crash-reaping entry in one MULTI, and
 * returns the signal of a cancel requested meanwhile, if any.
 */
export async function recordStarted(redis: Redis, keys: KinglyKeys, data: JobData, record: JobRecord, procStartTime: number | null): Promise<string | null> {
  const multi = redis.multi();
  // A retried job starts clean: nothing of the previous attempt's outcome stays.
  multi.hdel(keys.job(record.id), 'reason', 'restarts', 'port', 'exitCode', 'signal', 'finishedAt', 'durationMs', 'cpuPercent', 'rssBytes', 'peakRssBytes', 'cpuSeconds', 'processCount');
  multi.hset(keys.job(record.id), { ...specToHash(record.id, record.queue, data), ...recordToHash(record) });
  multi.xadd(keys.events, 'MAXLEN', '~', EVENTS_MAXLEN, '*', ...Object.entries(eventFields('started', record)).flat());
  multi.hset(keys.running(record.host!), record.id, JSON.stringify({ pgid: record.pgid!, pid: record.pid!, workerId: record.workerId!, procStartTime } satisfies ReapEntry));
  multi.hget(keys.job(record.id), CANCEL_FIELD);
  const results = await multi.exec();
  return (results?.at(-1)?.[1] as string | null | undefined) ?? null;
}

/** After a restart: the new process on the record and in the reaping list. */
export async function recordRestarted(redis: Redis, keys: KinglyKeys, record: JobRecord, procStartTime: number | null): Promise<void> {
  await redis
    .multi()
    .hset(keys.job(record.id), { pid: record.pid!, pgid: record.pgid!, restarts: record.restarts })
    .hset(keys.running(record.host!), record.id, JSON.stringify({ pgid: record.pgid!, pid: record.pid!, workerId: record.workerId!, procStartTime } satisfies ReapEntry))
    .exec();
}

/** The record's final fields for an outcome. */
export function applyOutcome(record: JobRecord, outcome: Outcome, finishedAt: number): JobRecord {
  const startedAt = record.startedAt ? Date.parse(record.startedAt) : finishedAt;
  return {
    ...record,
    state: outcome.state,
    exitCode: 'exitCode' in outcome ? outcome.exitCode : record.exitCode,
    signal: 'signal' in outcome && outcome.signal !== undefined ? outcome.signal : record.signal,
    reason: 'reason' in outcome && outcome.reason !== undefined ? outcome.reason : record.reason,
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - startedAt,
  };
}

/** Terminal write (exactly once, see finishJob) and removal from the host's reaping list. */
export async function recordFinished(redis: Redis, keys: KinglyKeys, record: JobRecord): Promise<boolean> {
  const first = await finishJob(redis, keys, record);
  if (record.host) await redis.hdel(keys.running(record.host), record.id);
  return first;
}

/** Between attempts: the job is queued again, its log stays open. */
export async function recordRetrying(redis: Redis, keys: KinglyKeys, record: JobRecord, why: string): Promise<void> {
  const multi = redis.multi();
  multi.hset(keys.job(record.id), { state: 'queued', reason: `attempt ${record.attempt} of ${record.attempts} ${why}; retrying` });
  if (record.host) multi.hdel(keys.running(record.host), record.id);
  await multi.exec();
}
