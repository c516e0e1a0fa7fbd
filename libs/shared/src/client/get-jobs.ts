import type { Job } from 'bullmq';
import { ErrorCodes, jobNotFound, KinglyError } from '../errors.js';
import { readIndex } from '../store/read-index.js';
import { isValidJobId } from '../ids.js';
import { recordFromData, recordFromHash } from '../record-hash.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { JobData } from '../schemas/job-spec.js';
import type { JobState } from '../job-states.js';
import { compareText } from '../compare-text.js';
import { stateFromBull } from './bull-state.js';
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
  /** Only this queue. @default every queue */
  readonly queue?: string;
  /** Only jobs of this group. @default every group */
  readonly group?: string;
  /** Only jobs with this name. @default every name */
  readonly name?: string;
  /** Only jobs older than this one (an id: the last of the previous page). @default undefined (from the newest) */
  readonly before?: string;
}

/**
 * Jobs newest first, read from the JobStore's indexes (store/read-index.ts): every job kingly's
 * client added, and every job a worker has taken. A job added by plain BullMQ that no worker has
 * taken yet has no record, so it is not listed (findJob still finds it by id).
 */
export async function listJobs(ctx: ClientContext, options: ListJobsOptions = {}): Promise<JobRecord[]> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 0) throw new KinglyError(ErrorCodes.BAD_INPUT, `limit must be a whole number ≥ 0, got ${String(limit)}`);
  if (limit === 0) return [];
  const { state, queue, group, name } = options;
  return readIndex(await ctx.redis(), ctx.keys, { state, queue, group, name }, { limit, before: options.before });
}

/** Newest created first; the id breaks ties (ids sort by creation time too). */
export const newestFirst = (a: JobRecord, b: JobRecord): number => compareText(b.createdAt ?? '', a.createdAt ?? '') || compareText(b.id, a.id);
