import { ErrorCodes, KinglyError } from '../errors.js';
import { RESERVED_QUEUE_NAMES } from '../keys.js';
import { EVENTS_MAXLEN, FINISHED_TTL_SECONDS } from '../finish-job.js';
import { newJobId } from '../ids.js';
import { bullRetryOptions } from '../retry-policy.js';
import { displayCommand, jobSpecSchema, type JobData, type JobSpec } from '../schemas/job-spec.js';
import { describeSpecIssue } from '../schemas/spec-issue.js';
import { BULL_JOB_DEFAULTS, type ClientContext } from './context.js';

export interface EnqueueOptions {
  /** Queue to put the jobs on. @default the client's queue ("commands") */
  readonly queue?: string;
}

/** Validates a spec at the edge, naming the field that is wrong (`name`, `argv[2]`, `env.FOO`). */
export function parseSpec(spec: unknown, index?: number): JobSpec {
  const parsed = jobSpecSchema.safeParse(spec);
  if (parsed.success) return parsed.data;
  const where = index === undefined ? '' : `job ${index}: `;
  throw new KinglyError(ErrorCodes.BAD_INPUT, `${where}${describeSpecIssue(parsed.error.issues[0]!)}`);
}

export function validateQueueName(queue: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(queue)) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `queue must be letters, digits, '_', '.' or '-', got '${queue}'`);
  }
  if (RESERVED_QUEUE_NAMES.has(queue)) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `queue '${queue}' is a name kingly uses for its own keys`, { hint: 'pick another queue name' });
  }
  return queue;
}

// Appends one `queued` event per job, each exactly as eventFields('queued', record) would give it
// (type, job, queue, name, state). ARGV: the MAXLEN, the queue, then an id and a name per job.
// Lua builds the fields, so the client sends 2 strings per job instead of 11, and one command
// per EVENTS_PER_CALL jobs: for a big enqueueMany, building and sending the events cost about as
// much as BullMQ's own addBulk (a test pins the fields to eventFields).
const XADD_QUEUED_EVENTS = `
for i = 3, #ARGV, 2 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', 'queued', 'job', ARGV[i], 'queue', ARGV[2], 'name', ARGV[i + 1], 'state', 'queued')
end
return (#ARGV - 2) / 2
`;
const EVENTS_PER_CALL = 1000;
const ADD_BULK_CHUNK = 500;

/**
 * Adds the jobs with BullMQ addBulk, in chunks of ADD_BULK_CHUNK sent back to back on one
 * connection (so their order is kept), and alongside one pipeline of `queued` events. Not atomic
 * across chunks: if Redis fails midway, the jobs of the chunks it ran stay queued.
 */
export async function enqueueMany(ctx: ClientContext, specs: readonly unknown[], options: EnqueueOptions = {}): Promise<string[]> {
  const queueName = validateQueueName(options.queue ?? ctx.defaultQueue);
  const parsed = specs.map((spec, i) => parseSpec(spec, specs.length > 1 ? i : undefined));
  if (parsed.length === 0) return [];
  const [queue, redis] = await Promise.all([ctx.queue(queueName), ctx.redis()]);
  const now = Date.now();
  const jobs = parsed.map((spec) => {
    const id = newJobId(now);
    const data: JobData = { ...spec, createdAt: now };
    return { id, data };
  });
  const events = redis.pipeline();
  events.sadd(ctx.keys.queues, queueName);
  // Group membership is written here, once, so group lookups never depend on scanning BullMQ.
  const groups = new Map<string, string[]>();
  for (const { id, data } of jobs) if (data.group) groups.set(data.group, [...(groups.get(data.group) ?? []), id]);
  for (const [group, ids] of groups) {
    events.sadd(ctx.keys.group(group), ...ids);
    events.expire(ctx.keys.group(group), FINISHED_TTL_SECONDS);
  }
  for (let start = 0; start < jobs.length; start += EVENTS_PER_CALL) {
    const args: Array<string | number> = [EVENTS_MAXLEN, queueName];
    for (const { id, data } of jobs.slice(start, start + EVENTS_PER_CALL)) args.push(id, data.name ?? displayCommand(data));
    events.eval(XADD_QUEUED_EVENTS, 1, ctx.keys.events, ...args);
  }
  // The events go out first: Redis appends them while this process builds BullMQ's commands.
  const eventsWritten = events.exec();
  // addBulk in chunks, all in flight at once: Redis runs one chunk's MULTI while this process
  // builds the next, where a single MULTI of every job would make each side wait for the other.
  const added: Array<Promise<unknown>> = [eventsWritten];
  for (let start = 0; start < jobs.length; start += ADD_BULK_CHUNK) {
    added.push(
      queue.addBulk(
        jobs.slice(start, start + ADD_BULK_CHUNK).map(({ id, data }) => ({
          name: data.name ?? 'command',
          data,
          // BullMQ retries the job, so the spec's attempts and backoff go into its options (see retry-policy.ts).
          opts: { ...BULL_JOB_DEFAULTS, jobId: id, ...bullRetryOptions(data) },
        })),
      ),
    );
  }
  await Promise.all(added);
  return jobs.map((j) => j.id);
}

