import { ErrorCodes, jobNotFound, KinglyError } from '../errors.js';
import { readIndex } from '../store/read-index.js';
import { isValidJobId, qualifiedJobId } from '../ids.js';
import { recordFromHash } from '../record-hash.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { JobState } from '../job-states.js';
import { compareText } from '../compare-text.js';
import { validateQueueName } from '../defaults.js';
import type { ClientContext } from './context.js';

export interface FindJobOptions {
  /**
   * The queue the job is on: a plain BullMQ id (unique only per queue) found on several queues
   * needs it. @default undefined (any queue; two candidates are E_AMBIGUOUS_JOB)
   */
  readonly queue?: string;
}

/**
 * The record of one job, or undefined. `id` is kingly's id of the job (its own, or `<queue>:<id>`
 * for a job added by plain BullMQ: ids.ts), or a plain BullMQ id without its queue, which is looked
 * for on every known queue. Only the JobStore is read: a job added by plain BullMQ is known from
 * when a worker takes it (docs/protocol.md, Reading a job).
 */
export async function findJob(ctx: ClientContext, id: string, options: FindJobOptions = {}): Promise<JobRecord | undefined> {
  if (!isValidJobId(id)) return undefined;
  const redis = await ctx.redis();
  const queues = options.queue !== undefined ? [validateQueueName(options.queue)] : await ctx.knownQueues();
  // The id as given, and (a bare id) its qualified form on each queue: one round trip.
  const ids = [id, ...(id.includes(':') ? [] : queues.map((queue) => qualifiedJobId(queue, id)))];
  const pipeline = redis.pipeline();
  for (const candidate of ids) pipeline.hgetall(ctx.keys.job(candidate));
  const results = (await pipeline.exec()) ?? [];
  const found: JobRecord[] = [];
  results.forEach(([error, hash], i) => {
    if (error) throw error;
    const fields = hash as Record<string, string>;
    if (!fields.state) return;
    const record = recordFromHash(ids[i]!, fields);
    if (options.queue === undefined || record.queue === options.queue) found.push(record);
  });
  if (found.length > 1) {
    throw new KinglyError(ErrorCodes.AMBIGUOUS_JOB, `job id '${id}' is on ${found.length} queues: ${found.map((r) => `${r.queue} (${r.id})`).join(', ')}`, {
      hint: `say which with --queue ${found[0]!.queue}, or use the full id ${found[0]!.id}`,
    });
  }
  return found[0];
}

export async function getJob(ctx: ClientContext, id: string, options: FindJobOptions = {}): Promise<JobRecord> {
  const record = await findJob(ctx, id, options);
  if (!record) throw jobNotFound(id);
  return record;
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
 * taken yet has no record, so it is not listed.
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
