import type { JobRecord } from '../schemas/job-record.js';
import { JOB_STATES, type JobState } from '../job-states.js';
import type { KinglyKeys } from '../keys.js';
import type { StatusRedis } from './status-redis.js';
import { parseEvent } from '../event-fields.js';
import { recordFromHash } from '../record-hash.js';
import { dropExpired } from '../store/expire.js';
import { newestFirst } from './get-jobs.js';
import { compareText } from '../compare-text.js';
import { parseWebhookStats, type WebhookStatus } from '../webhooks/stats.js';
import { hostQueueStatus, type HostQueueStatus } from './host-queues.js';

/** A worker as its heartbeat describes it. */
export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly queue: string;
  readonly concurrency: number;
  readonly running: number;
  readonly startedAt: string;
  readonly lastSeenAt: string;
  /** False once the heartbeat expired: the worker died without saying goodbye. */
  readonly alive: boolean;
}

/** Fields of the heartbeat; the worker writes them, everyone reads them. */
export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  queue: string;
  concurrency: number;
  running: number;
  /**
   * Ids of the jobs it holds: from the moment it takes one until the job's terminal write is done.
   * A record `running` on a live worker whose beat (written after the record's `startedAt`) lacks
   * its id was left behind by a lost write (an unplanned failover): the reaper ends it. Absent in
   * beats of workers older than this field.
   */
  jobs?: string[];
  startedAt: number;
  lastSeenAt: number;
  intervalMs: number;
}

/** Dead workers stay listed this long after their last heartbeat. */
export const DEAD_WORKER_LISTED_MS = 3600_000;

export async function listWorkers(ctx: Pick<StatusContext, 'keys' | 'redis'>): Promise<WorkerInfo[]> {
  const redis = await ctx.redis();
  const registry = await redis.hgetall(ctx.keys.workers);
  const beats = Object.values(registry)
    .map((text) => {
      try {
        return JSON.parse(text) as WorkerHeartbeat;
      } catch {
        return undefined;
      }
    })
    .filter((b): b is WorkerHeartbeat => b !== undefined && typeof b.id === 'string');
  if (beats.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const beat of beats) pipeline.exists(ctx.keys.worker(beat.id));
  const exists = (await pipeline.exec()) ?? [];
  const now = Date.now();
  const forget = beats.filter((b, i) => exists[i]?.[1] !== 1 && now - b.lastSeenAt > DEAD_WORKER_LISTED_MS).map((b) => b.id);
  if (forget.length > 0) await redis.hdel(ctx.keys.workers, ...forget);
  return beats
    .map((b, i) => ({
      id: b.id,
      host: b.host,
      pid: b.pid,
      queue: b.queue,
      concurrency: b.concurrency,
      running: b.running,
      startedAt: new Date(b.startedAt).toISOString(),
      lastSeenAt: new Date(b.lastSeenAt).toISOString(),
      alive: exists[i]?.[1] === 1,
    }))
    .filter((w) => !forget.includes(w.id))
    .sort((a, b) => Number(b.alive) - Number(a.alive) || compareText(a.startedAt, b.startedAt));
}

export interface StatusReport {
  readonly counts: Record<JobState, number>;
  readonly workers: WorkerInfo[];
  readonly running: JobRecord[];
  /** The latest unsuccessful jobs, newest first (at most 5). */
  readonly recentFailures: JobRecord[];
  /** Delivery figures of every webhook the API has tried (`<prefix>:webhooks`); [] when none. */
  readonly webhooks: WebhookStatus[];
  /** Host queues (`<queue>@<host>`) with jobs queued or running, by name; [] when none. */
  readonly hostQueues: HostQueueStatus[];
}

/** How many recent events are read to find the latest failures. */
const FAILURE_SCAN = 500;

/** What status needs of a client: no BullMQ, and reads only (status-redis.ts) but for dropExpired's script. */
export interface StatusContext {
  readonly keys: KinglyKeys;
  redis(): Promise<StatusRedis>;
  /** Every queue that has had a job, the default one first. */
  knownQueues(): Promise<string[]>;
}

/**
 * Counts by state, workers, running jobs and recent failures: the answer to "what's going on?".
 * Counts are the sizes of the JobStore's state indexes and the running jobs its running index, so
 * the cost does not grow with the number of finished jobs (a plain BullMQ job no worker has taken
 * has no record yet and is not counted).
 */
export async function status(ctx: StatusContext): Promise<StatusReport> {
  const redis = await ctx.redis();
  await dropExpired(redis, ctx.keys);
  const sizes = redis.pipeline();
  for (const state of JOB_STATES) sizes.zcard(ctx.keys.stateIndex(state));
  sizes.zrevrange(ctx.keys.stateIndex('running'), 0, -1);
  const [replies, workers, recentFailures, webhookHash] = await Promise.all([sizes.exec(), listWorkers(ctx), latestFailures(ctx), redis.hgetall(ctx.keys.webhooks)]);
  const values = (replies ?? []).map(([, value]) => value);
  const counts = Object.fromEntries(JOB_STATES.map((s, i) => [s, Number(values[i] ?? 0)])) as Record<JobState, number>;
  const runningIds = (values[JOB_STATES.length] ?? []) as string[];
  const records = redis.pipeline();
  for (const id of runningIds) records.hgetall(ctx.keys.job(id));
  const hashes = runningIds.length > 0 ? ((await records.exec()) ?? []).map(([, value]) => value as Record<string, string> | null) : [];
  // A job that ended between the two reads is no longer running.
  const running = runningIds
    .map((id, i) => (hashes[i]?.state ? recordFromHash(id, hashes[i]!) : undefined))
    .filter((r): r is JobRecord => r?.state === 'running')
    .sort(newestFirst);
  // The heartbeat's count is up to one interval old; the running records are current.
  const perWorker = new Map<string, number>();
  for (const r of running) if (r.workerId) perWorker.set(r.workerId, (perWorker.get(r.workerId) ?? 0) + 1);
  const current = workers.map((w) => (w.alive ? { ...w, running: perWorker.get(w.id) ?? 0 } : w));
  const hostQueues = await hostQueueStatus(redis, ctx.keys, await ctx.knownQueues(), running);
  return { counts, workers: current, running, recentFailures, webhooks: parseWebhookStats(webhookHash), hostQueues };
}

/**
 * The latest failed endings, from the events stream (it also holds jobs removed from queues). A
 * cancel is someone's choice (kingly kill, dev stop), not a failure: it is left out.
 */
async function latestFailures(ctx: Pick<StatusContext, 'keys' | 'redis'>): Promise<JobRecord[]> {
  const redis = await ctx.redis();
  const entries = (await redis.xrevrange(ctx.keys.events, '+', '-', 'COUNT', FAILURE_SCAN)) as Array<[string, string[]]>;
  const failures: JobRecord[] = [];
  for (const [id, fields] of entries) {
    const event = parseEvent(id, fields);
    if (event.type === 'finished' && event.record && event.state !== 'succeeded' && event.state !== 'cancelled') failures.push(event.record);
    if (failures.length === 5) break;
  }
  return failures;
}
