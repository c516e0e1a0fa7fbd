import type { JobRecord } from '../schemas/job-record.js';
import { JOB_STATES, type JobState } from '../job-states.js';
import type { JobData } from '../schemas/job-spec.js';
import type { KinglyKeys } from '../keys.js';
import type { StatusRedis } from './status-redis.js';
import { parseEvent } from '../event-fields.js';
import { recordFromData, recordFromHash } from '../record-hash.js';
import { readBullJobData, readBullQueue } from './bull-keys.js';
import { newestFirst } from './get-jobs.js';
import { compareText } from '../compare-text.js';

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
}

/** How many recent events are read to find the latest failures. */
const FAILURE_SCAN = 500;

/** What status needs of a client: no BullMQ (see bull-keys.ts), and reads only (status-redis.ts). */
export interface StatusContext {
  readonly keys: KinglyKeys;
  redis(): Promise<StatusRedis>;
  /** Every queue that has had a job, the default one first. */
  knownQueues(): Promise<string[]>;
}

/**
 * Counts by state, workers, running jobs and recent failures: the answer to "what's going on?".
 * Reads BullMQ's keys directly (one round trip per queue) rather than through BullMQ, which
 * `kingly status` would otherwise spend most of its start-up loading.
 */
export async function status(ctx: StatusContext): Promise<StatusReport> {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const redis = await ctx.redis();
  const [queues, workers, recentFailures] = await Promise.all([ctx.knownQueues(), listWorkers(ctx), latestFailures(ctx)]);
  const snapshots = await Promise.all(queues.map((name) => readBullQueue(redis, ctx.keys.prefix, name)));
  // Every active job's record, and the state of every failed one, in one round trip.
  const pipeline = redis.pipeline();
  for (const snapshot of snapshots) {
    for (const id of snapshot.activeIds) pipeline.hgetall(ctx.keys.job(id));
    for (const id of snapshot.failedIds) pipeline.hget(ctx.keys.job(id), 'state');
  }
  const replies = ((await pipeline.exec()) ?? []).map(([, value]) => value);
  let at = 0;
  const active: JobRecord[] = [];
  for (const [q, snapshot] of snapshots.entries()) {
    const queue = queues[q]!;
    counts.queued += snapshot.queued;
    counts.succeeded += snapshot.completed;
    for (const id of snapshot.activeIds) {
      const hash = replies[at++] as Record<string, string> | null;
      // Taken a moment ago, no record yet: BullMQ's data says what it is.
      const record = hash?.state ? recordFromHash(id, hash) : await recordFromBull(redis, ctx.keys.prefix, queue, id);
      if (record) active.push(record);
    }
    // Failed BullMQ jobs hold every unsuccessful outcome; split them by their records.
    let attributed = 0;
    for (const _id of snapshot.failedIds) {
      const s = replies[at++] as JobState | null;
      if (s && s in counts && s !== 'queued' && s !== 'running' && s !== 'succeeded') {
        counts[s] += 1;
        attributed += 1;
      }
    }
    counts.failed += Math.max(0, snapshot.failed - attributed);
  }
  // Active in BullMQ but already ended in the record: BullMQ has not caught up yet (stall check).
  const running = active.filter((r) => r.state === 'running').sort(newestFirst);
  for (const r of active) if (r.state !== 'running') counts[r.state] += 1;
  counts.running = running.length;
  // The heartbeat's count is up to one interval old; the running records are current.
  const perWorker = new Map<string, number>();
  for (const r of running) if (r.workerId) perWorker.set(r.workerId, (perWorker.get(r.workerId) ?? 0) + 1);
  const current = workers.map((w) => (w.alive ? { ...w, running: perWorker.get(w.id) ?? 0 } : w));
  return { counts, workers: current, running, recentFailures };
}

async function recordFromBull(redis: StatusRedis, prefix: string, queue: string, id: string): Promise<JobRecord | undefined> {
  const found = await readBullJobData(redis, prefix, queue, id);
  if (!found) return undefined;
  const data = found.data as JobData;
  return recordFromData(id, queue, { ...data, createdAt: data.createdAt ?? found.timestamp }, 'running');
}

/** The latest unsuccessful endings, from the events stream (it also holds jobs removed from queues). */
async function latestFailures(ctx: Pick<StatusContext, 'keys' | 'redis'>): Promise<JobRecord[]> {
  const redis = await ctx.redis();
  const entries = (await redis.xrevrange(ctx.keys.events, '+', '-', 'COUNT', FAILURE_SCAN)) as Array<[string, string[]]>;
  const failures: JobRecord[] = [];
  for (const [id, fields] of entries) {
    const event = parseEvent(id, fields);
    if (event.type === 'finished' && event.record && event.state !== 'succeeded') failures.push(event.record);
    if (failures.length === 5) break;
  }
  return failures;
}
