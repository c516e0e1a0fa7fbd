import { ErrorCodes, jobNotFound, KinglyError } from '../errors.js';
import { bullJobIdOf, qualifiedJobId } from '../ids.js';
import type { ClientContext } from './context.js';

/** BullMQ states of a job no worker has finished: it will get a record when a worker takes it. */
const UNFINISHED = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'active', 'waiting-children']);

/**
 * The record id a job added by plain BullMQ will have once a worker takes it (`<queue>:<id>`,
 * ids.ts), for a wait that starts before then: the one question kingly asks BullMQ about a job
 * (its public `getJobState`), because such a job has no record yet. E_JOB_NOT_FOUND when no
 * queue has it unfinished, E_AMBIGUOUS_JOB when several do.
 */
export async function untakenJobRecordId(ctx: ClientContext, id: string): Promise<string> {
  const qualified = id.includes(':');
  const queues = qualified ? [id.slice(0, id.indexOf(':'))] : await ctx.knownQueues();
  const bullId = bullJobIdOf(id);
  const states = await Promise.all(queues.map(async (name) => (await ctx.queue(name)).getJobState(bullId)));
  // A job BullMQ calls finished was taken since the caller looked: the worker writes the record
  // before BullMQ moves the job, so it is there now (else the job's record is gone: not found).
  const redis = await ctx.redis();
  const recorded = await Promise.all(queues.map(async (name, i) => !UNFINISHED.has(states[i]!) && states[i] !== 'unknown' && (await redis.exists(ctx.keys.job(qualifiedJobId(name, bullId)))) === 1));
  const on = queues.filter((_, i) => UNFINISHED.has(states[i]!) || recorded[i]);
  if (on.length === 0) throw jobNotFound(id);
  if (on.length > 1) {
    throw new KinglyError(ErrorCodes.AMBIGUOUS_JOB, `job id '${id}' is queued on ${on.length} queues: ${on.join(', ')}`, {
      hint: `wait for one of ${on.map((queue) => qualifiedJobId(queue, bullId)).join(', ')}`,
    });
  }
  return qualifiedJobId(on[0]!, bullId);
}
