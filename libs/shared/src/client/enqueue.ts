import { ErrorCodes, KinglyError } from '../errors.js';
import { hostQueueName, validateQueueName } from '../defaults.js';
import { createQueued, removeRecords } from '../store/create.js';
import { newJobId } from '../ids.js';
import { bullRetryOptions } from '../retry-policy.js';
import { jobSpecSchema, type JobData, type JobSpec } from '../schemas/job-spec.js';
import { describeSpecIssue } from '../schemas/spec-issue.js';
import type { ClientContext } from './context.js';
import { bullRemoveOptions } from '../retention.js';

export interface EnqueueOptions {
  /** Queue to put the jobs on. @default the client's queue ("commands") */
  readonly queue?: string;
  /**
   * Run the jobs only on this host (a worker's `host`, as job records and heartbeats name it): they go
   * to the host's queue, `<queue>@<host>`, which every worker on that host also takes from. With no
   * live worker there they wait, queued. @default undefined (any worker of the queue)
   */
  readonly host?: string;
}

/** Validates a spec at the edge, naming the field that is wrong (`name`, `argv[2]`, `env.FOO`). */
export function parseSpec(spec: unknown, index?: number): JobSpec {
  const parsed = jobSpecSchema.safeParse(spec);
  if (parsed.success) return parsed.data;
  const where = index === undefined ? '' : `job ${index}: `;
  throw new KinglyError(ErrorCodes.BAD_INPUT, `${where}${describeSpecIssue(parsed.error.issues[0]!)}`);
}

/** The queue name, or E_BAD_INPUT naming `queue` and what is wrong with it. */
export { validateQueueName };

const ADD_BULK_CHUNK = 500;

/**
 * Creates the jobs' records (state `queued`, with their index entries and `queued` events), then
 * adds them with BullMQ addBulk, in chunks of ADD_BULK_CHUNK sent back to back on one connection
 * (so their order is kept). The records go first on that connection, so no job exists without its
 * record; the records of a chunk BullMQ fails to add are removed. Not atomic across chunks: if Redis
 * fails midway, the jobs of the chunks it ran stay queued (a job whose record script failed gets
 * its record when a worker takes it).
 */
export async function enqueueMany(ctx: ClientContext, specs: readonly unknown[], options: EnqueueOptions = {}): Promise<string[]> {
  const queueName = options.host !== undefined ? hostQueueName(options.queue ?? ctx.defaultQueue, options.host) : validateQueueName(options.queue ?? ctx.defaultQueue);
  const parsed = specs.map((spec, i) => parseSpec(spec, specs.length > 1 ? i : undefined));
  if (parsed.length === 0) return [];
  const [queue, redis] = await Promise.all([ctx.queue(queueName), ctx.redis()]);
  const now = Date.now();
  const jobs = parsed.map((spec) => {
    const id = newJobId(now);
    const data: JobData = { ...spec, createdAt: now };
    return { id, data };
  });
  const records = redis.pipeline();
  records.sadd(ctx.keys.queues, queueName);
  // Jobs of a capped group take their places in its line now, in enqueue order: workers admit
  // them from its head (group-admission.ts in the worker; docs/protocol.md, Group concurrency).
  const lines = new Map<string, string[]>();
  for (const { id, data } of jobs) if (data.group && data.groupConcurrency) lines.set(data.group, [...(lines.get(data.group) ?? []), `${queueName} ${id}`]);
  for (const [group, entries] of lines) records.rpush(ctx.keys.groupWaiting(group), ...entries);
  createQueued(records, ctx.keys, queueName, jobs);
  // Not awaited before the adds: BullMQ's Queue shares this connection, so Redis runs the records'
  // scripts before any add (one socket keeps the order) while this process builds BullMQ's commands.
  const recordsWritten = records.exec().then((results) => {
    for (const [error] of results ?? []) if (error) throw error;
  });
  // addBulk in chunks, all in flight at once: Redis runs one chunk's MULTI while this process
  // builds the next, where a single MULTI of every job would make each side wait for the other.
  const added: Array<Promise<unknown>> = [recordsWritten];
  // BullMQ trims its own finished jobs by the same policy the workers prune kingly's by.
  const removeOptions = bullRemoveOptions(ctx.retention);
  for (let start = 0; start < jobs.length; start += ADD_BULK_CHUNK) {
    const chunk = jobs.slice(start, start + ADD_BULK_CHUNK);
    added.push(
      queue
        .addBulk(
          chunk.map(({ id, data }) => ({
            name: data.name ?? 'command',
            data,
            // BullMQ retries the job, so the spec's attempts and backoff go into its options (see retry-policy.ts).
            opts: { ...removeOptions, jobId: id, ...bullRetryOptions(data), ...(data.priority !== undefined ? { priority: data.priority } : {}) },
          })),
        )
        .catch(async (error: unknown) => {
          await removeRecords(redis, ctx.keys, queueName, chunk);
          throw error;
        }),
    );
  }
  await Promise.all(added);
  return jobs.map((j) => j.id);
}
