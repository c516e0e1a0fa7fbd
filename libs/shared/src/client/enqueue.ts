import { ErrorCodes, KinglyError } from '../errors.js';
import { RESERVED_QUEUE_NAMES } from '../keys.js';
import { EVENTS_MAXLEN, FINISHED_TTL_SECONDS } from '../finish-job.js';
import { eventFields } from '../event-fields.js';
import { newJobId } from '../ids.js';
import { recordFromData } from '../record-hash.js';
import { jobSpecSchema, type JobData, type JobSpec } from '../schemas/job-spec.js';
import { BULL_JOB_DEFAULTS, type ClientContext } from './context.js';

export interface EnqueueOptions {
  /** Queue to put the jobs on. @default the client's queue ("commands") */
  readonly queue?: string;
}

/** Validates a spec at the edge, naming the field that is wrong. */
export function parseSpec(spec: unknown, index?: number): JobSpec {
  const parsed = jobSpecSchema.safeParse(spec);
  if (parsed.success) {
    if (parsed.data.cwd !== undefined && !parsed.data.cwd.startsWith('/')) {
      throw new KinglyError(ErrorCodes.BAD_INPUT, `cwd must be an absolute path, got '${parsed.data.cwd}'`);
    }
    return parsed.data;
  }
  const issue = parsed.error.issues[0]!;
  const where = index === undefined ? '' : `job ${index}: `;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'spec';
  throw new KinglyError(ErrorCodes.BAD_INPUT, `${where}${field}: ${issue.message}`);
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

// Appends events to the stream, each exactly as `XADD key MAXLEN ~ <ARGV[1]> * <fields>` would.
// ARGV: the MAXLEN, then per event its number of fields and the field/value pairs. One command per
// EVENTS_PER_CALL events instead of one per event: for a big enqueueMany, building, sending and
// answering one XADD per job cost about as much as the rest of the client's work.
const XADD_EVENTS = `
local i, n = 2, 0
while i <= #ARGV do
  local count = tonumber(ARGV[i])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i + 1, i + 2 * count))
  i = i + 2 * count + 1
  n = n + 1
end
return n
`;
const EVENTS_PER_CALL = 1000;

/** Adds the jobs with one BullMQ addBulk and, alongside, one pipeline of `queued` events. */
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
    const args: Array<string | number> = [EVENTS_MAXLEN];
    for (const { id, data } of jobs.slice(start, start + EVENTS_PER_CALL)) {
      const fields = Object.entries(eventFields('queued', recordFromData(id, queueName, data, 'queued')));
      args.push(fields.length);
      for (const [key, value] of fields) args.push(key, value);
    }
    events.eval(XADD_EVENTS, 1, ctx.keys.events, ...args);
  }
  await Promise.all([
    queue.addBulk(
      jobs.map(({ id, data }) => ({
        name: data.name ?? 'command',
        data,
        opts: { ...BULL_JOB_DEFAULTS, jobId: id, attempts: data.attempts ?? 1 },
      })),
    ),
    events.exec(),
  ]);
  return jobs.map((j) => j.id);
}

