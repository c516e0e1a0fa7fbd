import type { Redis } from 'ioredis';
import type { ReapEntry } from './reap-entry.js';
import {
  finishJob, markRestarted, markRetrying, markStarted, markTaken,
  type JobData, type JobRecord, type KinglyKeys, type Outcome,
} from '@kingly/cmd';

// The worker's side of the job's transitions; the writes themselves are @kingly/cmd's (the store).

const reapEntry = (record: JobRecord, procStartTime: number | null): string =>
  JSON.stringify({ pgid: record.pgid, pid: record.pid, workerId: record.workerId!, procStartTime } satisfies ReapEntry);

/**
 * The job is taken: running on this worker, its workspace being prepared. Written before anything
 * is spawned so a cancel can find the worker and a reaper the job. Returns the signal of a cancel
 * requested meanwhile, if any.
 */
export async function recordPreparing(redis: Redis, keys: KinglyKeys, data: JobData, record: JobRecord): Promise<string | null> {
  return markTaken(redis, keys, data, record, reapEntry(record, null));
}

/**
 * The command's process exists: its pid and workspace on the record, the `started` event, the
 * reaping entry. Returns the signal of a cancel requested meanwhile, if any.
 */
export async function recordStarted(redis: Redis, keys: KinglyKeys, record: JobRecord, procStartTime: number | null): Promise<string | null> {
  return markStarted(redis, keys, record, reapEntry(record, procStartTime));
}

/** After a restart: the new process on the record and in the reaping list. */
export async function recordRestarted(redis: Redis, keys: KinglyKeys, record: JobRecord, procStartTime: number | null): Promise<void> {
  await markRestarted(redis, keys, record, reapEntry(record, procStartTime));
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

/**
 * Terminal write (exactly once, see finishJob) and removal from the host's reaping list. When the
 * full record cannot be written, finishJob ends the job with a minimal one; `log` says so. The
 * record and log expire `ttlMs` later (the worker's retention maxAge).
 */
export async function recordFinished(redis: Redis, keys: KinglyKeys, record: JobRecord, log: (line: string) => void = () => undefined, ttlMs?: number): Promise<boolean> {
  const onFallback = (error: unknown): void =>
    log(`kingly could not record the full outcome (${(error as Error)?.message ?? String(error)}); ended it ${record.state} with a minimal record`);
  // Both commands go out together (one round trip); the entry goes whoever finished the job.
  const [first] = await Promise.all([
    finishJob(redis, keys, record, { onFallback, ...(ttlMs !== undefined ? { ttlMs } : {}) }),
    // Left behind, the entry only costs the reaper a look (the job has ended): never fail for it.
    record.host ? redis.hdel(keys.running(record.host), record.id).catch((error: unknown) => log(`could not drop its reaping entry: ${String(error)}`)) : 0,
  ]);
  return first;
}

/** Between attempts: the job is queued again, its log stays open; `reason` says which attempt ended how, and when the next one starts. */
export async function recordRetrying(redis: Redis, keys: KinglyKeys, record: JobRecord, reason: string): Promise<void> {
  await markRetrying(redis, keys, record, reason);
}
