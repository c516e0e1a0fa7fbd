import type { JobRecord } from '../schemas/job-record.js';
import { JOB_STATES, type JobState } from '../schemas/job-state.js';
import type { ClientContext } from './context.js';
import { listJobs } from './get-jobs.js';
import { parseEvent } from '../event-fields.js';
import { QUEUED_TYPES } from './bull-state.js';

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

export async function listWorkers(ctx: ClientContext): Promise<WorkerInfo[]> {
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
    .sort((a, b) => Number(b.alive) - Number(a.alive) || a.startedAt.localeCompare(b.startedAt));
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

/** Counts by state, workers, running jobs and recent failures: the answer to "what's going on?". */
export async function status(ctx: ClientContext): Promise<StatusReport> {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const queues = await ctx.knownQueues();
  const redis = await ctx.redis();
  const [workers, active, recentFailures] = await Promise.all([
    listWorkers(ctx),
    listJobs(ctx, { state: 'running', limit: 1000, keepEnded: true }),
    latestFailures(ctx),
  ]);
  // Active in BullMQ but already ended in the record: BullMQ has not caught up yet (stall check).
  const running = active.filter((r) => r.state === 'running');
  for (const r of active) if (r.state !== 'running') counts[r.state] += 1;
  counts.running = running.length;
  for (const name of queues) {
    const queue = await ctx.queue(name);
    const bull = await queue.getJobCounts(...QUEUED_TYPES, 'completed', 'failed');
    counts.queued += QUEUED_TYPES.reduce((sum, t) => sum + (bull[t] ?? 0), 0);
    counts.succeeded += bull.completed ?? 0;
    if (!bull.failed) continue;
    // Failed BullMQ jobs hold every unsuccessful outcome; split them by their records.
    const failedIds = await queue.getRanges(['failed'], 0, 999);
    const pipeline = redis.pipeline();
    for (const id of failedIds) pipeline.hget(ctx.keys.job(id), 'state');
    const states = (await pipeline.exec()) ?? [];
    let attributed = 0;
    for (const [, state] of states) {
      const s = state as JobState | null;
      if (s && s in counts && s !== 'queued' && s !== 'running' && s !== 'succeeded') {
        counts[s] += 1;
        attributed += 1;
      }
    }
    counts.failed += Math.max(0, bull.failed - attributed);
  }
  // The heartbeat's count is up to one interval old; the running records are current.
  const perWorker = new Map<string, number>();
  for (const r of running) if (r.workerId) perWorker.set(r.workerId, (perWorker.get(r.workerId) ?? 0) + 1);
  const current = workers.map((w) => (w.alive ? { ...w, running: perWorker.get(w.id) ?? 0 } : w));
  return { counts, workers: current, running, recentFailures };
}

/** The latest unsuccessful endings, from the events stream (it also holds jobs removed from queues). */
async function latestFailures(ctx: ClientContext): Promise<JobRecord[]> {
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
