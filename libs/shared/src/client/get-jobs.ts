import type { Job } from 'bullmq';
import { jobNotFound } from '../errors.js';
import { isValidJobId } from '../ids.js';
import { recordFromData, recordFromHash } from '../record-hash.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { JobData } from '../schemas/job-spec.js';
import { isTerminalState, type JobState } from '../job-states.js';
import { compareText } from '../compare-text.js';
import { bullTypesFor, stateFromBull } from './bull-state.js';
import type { ClientContext } from './context.js';

/** The record of one job whatever queue it is on, or undefined. */
export async function findJob(ctx: ClientContext, id: string): Promise<JobRecord | undefined> {
  if (!isValidJobId(id)) return undefined;
  const redis = await ctx.redis();
  const hash = await redis.hgetall(ctx.keys.job(id));
  if (hash.state) return recordFromHash(id, hash);
  // Not started yet: ask BullMQ, on every queue that has had jobs.
  for (const name of await ctx.knownQueues()) {
    const queue = await ctx.queue(name);
    const job = (await queue.getJob(id)) as Job<JobData> | undefined;
    if (!job) continue;
    const bullState = await job.getState();
    // The worker writes the record before BullMQ moves the job: if it moved since we read the
    // hash, the record is there now.
    const fresh = bullState === 'completed' || bullState === 'failed' || bullState === 'active' ? await redis.hgetall(ctx.keys.job(id)) : undefined;
    return recordFromBullJob(name, job, bullState, fresh);
  }
  return undefined;
}

export async function getJob(ctx: ClientContext, id: string): Promise<JobRecord> {
  const record = await findJob(ctx, id);
  if (!record) throw jobNotFound(id);
  return record;
}

export function recordFromBullJob(queue: string, job: Job<JobData>, bullState: string, hash?: Record<string, string>): JobRecord {
  const base = recordFromData(job.id!, queue, { ...job.data, createdAt: job.data.createdAt ?? job.timestamp }, stateFromBull(bullState));
  return hash && hash.state ? recordFromHash(job.id!, hash, base) : base;
}

export interface ListJobsOptions {
  /** Only jobs in this state. @default every state */
  readonly state?: JobState;
  /** At most this many, newest first. @default 50 */
  readonly limit?: number;
  /** Only this queue. @default every queue that has had jobs */
  readonly queue?: string;
  /** Only jobs of this group. @default every group */
  readonly group?: string;
  /** Only jobs with this name. @default every name */
  readonly name?: string;
  /**
   * With `state`, also return jobs BullMQ still holds in that state whose record has ended
   * (BullMQ catches up a moment later). @default false
   */
  readonly keepEnded?: boolean;
}

/** Jobs newest first, with their records merged in one pipelined read. */
export async function listJobs(ctx: ClientContext, options: ListJobsOptions = {}): Promise<JobRecord[]> {
  if (options.group !== undefined) return listGroupJobs(ctx, options.group, options);
  const limit = options.limit ?? 50;
  const filtered = options.name !== undefined || isRefinedState(options.state);
  // BullMQ can only select by its own states; when we filter further, read a wider window.
  const window = filtered ? Math.max(limit * 4, 1000) : limit;
  const queues = options.queue ? [options.queue] : await ctx.knownQueues();
  const redis = await ctx.redis();
  // By id: a job that moved while we read is seen twice; the later state wins.
  const byId = new Map<string, { queue: string; job: Job<JobData>; bullState: string }>();
  for (const name of queues) {
    const queue = await ctx.queue(name);
    for (const type of bullTypesFor(options.state)) {
      const jobs = (await queue.getJobs([type], 0, window - 1)) as Array<Job<JobData> | undefined>;
      for (const job of jobs) if (job?.id) byId.set(job.id, { queue: name, job, bullState: type });
    }
  }
  const found = [...byId.values()];
  const pipeline = redis.pipeline();
  for (const { job } of found) pipeline.hgetall(ctx.keys.job(job.id!));
  const hashes = (await pipeline.exec()) ?? [];
  const records = found.map(({ queue, job, bullState }, i) =>
    recordFromBullJob(queue, job, bullState, (hashes[i]?.[1] as Record<string, string> | undefined) ?? undefined),
  );
  return records
    .filter((r) => options.state === undefined || r.state === options.state || (options.keepEnded === true && isTerminalState(r.state)))
    .filter((r) => options.name === undefined || r.name === options.name)
    .sort(newestFirst)
    .slice(0, limit);
}

const isRefinedState = (state: JobState | undefined): boolean =>
  state !== undefined && !['queued', 'running', 'succeeded'].includes(state);

/**
 * A group's jobs from the membership set written at enqueue: complete however many jobs the
 * queues hold, and stable while the group's jobs move between BullMQ states (a job held back by
 * the group's cap goes active → delayed → waiting → active, which no order of reads can follow).
 */
async function listGroupJobs(ctx: ClientContext, group: string, options: ListJobsOptions): Promise<JobRecord[]> {
  const redis = await ctx.redis();
  const ids = await redis.smembers(ctx.keys.group(group));
  const records = (await Promise.all(ids.map((id) => findJob(ctx, id)))).filter((r): r is JobRecord => r !== undefined);
  return records
    .filter((r) => options.queue === undefined || r.queue === options.queue)
    .filter((r) => options.state === undefined || r.state === options.state || (options.keepEnded === true && isTerminalState(r.state)))
    .filter((r) => options.name === undefined || r.name === options.name)
    .sort(newestFirst)
    .slice(0, options.limit ?? 50);
}

/** Newest created first; the id breaks ties (ids sort by creation time too). */
export const newestFirst = (a: JobRecord, b: JobRecord): number => compareText(b.createdAt ?? '', a.createdAt ?? '') || compareText(b.id, a.id);
