import { randomBytes } from 'node:crypto';

let counter = 0;

// Random bytes are taken 4 at a time from a pool filled 4 KiB at once: one randomBytes() call per
// id cost more than the rest of making it (enqueueMany of 10,000 specs spent ~25 ms here).
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomUint32(): number {
  if (poolAt + 4 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const value = pool.readUInt32BE(poolAt);
  poolAt += 4;
  return value;
}

/**
 * A short job id that sorts by creation time: milliseconds, a per-process counter and randomness,
 * all base36, so ids made in the same millisecond by one process (enqueueMany) never collide.
 */
export function newJobId(now: number = Date.now()): string {
  counter = (counter + 1) % 36 ** 3;
  const random = randomUint32().toString(36).padStart(7, '0').slice(0, 5);
  return `${now.toString(36)}${counter.toString(36).padStart(3, '0')}${random}`;
}

/**
 * A job id: kingly's own (newJobId), a BullMQ id given by `jobId`, or a qualified id. Queue names
 * have no ':' (validateQueueName), so the part before the first ':' is always the queue.
 */
export const JOB_ID_PATTERN = '^(?:[A-Za-z0-9_.-]{1,100}(?:@[A-Za-z0-9_.-]{1,100})?:)?[A-Za-z0-9_.-]{1,128}$';
const ID_REGEXP = new RegExp(JOB_ID_PATTERN);

export const isValidJobId = (id: string): boolean => ID_REGEXP.test(id);

/**
 * The id kingly keys a job added by plain BullMQ under: BullMQ's ids are unique only per queue
 * ("1", "2", or a `jobId`), so two queues' job "7" become `a:7` and `b:7`. Jobs kingly's client
 * adds keep their own ids (unique everywhere). The worker decides which applies: store/record-id.ts.
 */
export const qualifiedJobId = (queue: string, bullId: string): string => `${queue}:${bullId}`;

/** BullMQ's id of the job that a kingly id names: the part after the queue of a qualified id. */
export const bullJobIdOf = (id: string): string => id.slice(id.indexOf(':') + 1);
