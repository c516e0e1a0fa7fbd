import type { JobRecord } from '../schemas/job-record.js';
import { JOB_STATES, type JobState } from '../schemas/job-state.js';
import type { ClientContext } from './context.js';
import { listJobs } from './get-jobs.js';
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
  /** True when the heartbeat is older than two intervals: the worker is probably gone. */
  readonly stale: boolean;
}

/** Fields of the heartbeat hash; the worker writes them, everyone reads them. */
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

export function heartbeatToHash(beat: WorkerHeartbeat): Record<string, string> {
  return Object.fromEntries(Object.entries(beat).map(([k, v]) => [k, String(v)]));
}

export async function listWorkers(ctx: ClientContext): Promise<WorkerInfo[]> {
  const redis = await ctx.redis();
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', ctx.keys.workerPattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const results = (await pipeline.exec()) ?? [];
  const now = Date.now();
  return results
    .map(([, value]) => value as Record<string, string>)
    .filter((h) => h && h.id)
    .map((h) => {
      const lastSeen = Number(h.lastSeenAt);
      return {
        id: h.id!,
        host: h.host ?? '',
        pid: Number(h.pid),
        queue: h.queue ?? '',
        concurrency: Number(h.concurrency),
        running: Number(h.running),
        startedAt: new Date(Number(h.startedAt)).toISOString(),
        lastSeenAt: new Date(lastSeen).toISOString(),
        stale: now - lastSeen > 2 * Number(h.intervalMs || 5000),
      };
    })
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

export interface StatusReport {
  readonly counts: Record<JobState, number>;
  readonly workers: WorkerInfo[];
  readonly running: JobRecord[];
}

/** Counts by state, live workers and running jobs: the answer to "what's going on?". */
export async function status(ctx: ClientContext): Promise<StatusReport> {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const queues = await ctx.knownQueues();
  const redis = await ctx.redis();
  const [workers, running] = await Promise.all([listWorkers(ctx), listJobs(ctx, { state: 'running', limit: 1000 })]);
  for (const name of queues) {
    const queue = await ctx.queue(name);
    const bull = await queue.getJobCounts(...QUEUED_TYPES, 'active', 'completed', 'failed');
    counts.queued += QUEUED_TYPES.reduce((sum, t) => sum + (bull[t] ?? 0), 0);
    counts.succeeded += bull.completed ?? 0;
    // Failed BullMQ jobs hold every unsuccessful outcome; split them by their records.
    const failedIds = (await queue.getRanges(['failed'], 0, 999)) as string[];
    const pipeline = redis.pipeline();
    for (const id of failedIds) pipeline.hget(ctx.keys.job(id), 'state');
    const states = (await pipeline.exec()) ?? [];
    let attributed = 0;
    for (const [, state] of states) {
      const s = (state as JobState | null) ?? 'failed';
      if (s in counts && s !== 'queued' && s !== 'running' && s !== 'succeeded') {
        counts[s] += 1;
        attributed += 1;
      }
    }
    counts.failed += Math.max(0, (bull.failed ?? 0) - attributed);
  }
  counts.running = running.length;
  return { counts, workers, running };
}
