import { constants } from 'node:os';
import { ErrorCodes, KinglyError } from '../errors.js';
import { bullJobIdOf } from '../ids.js';
import type { KillMessage } from '../control.js';
import { finishJob } from '../store/finish.js';
import { finishWorkerLost } from '../store/finish-worker-lost.js';
import { requestCancel } from '../store/cancel-request.js';
import type { JobRecord } from '../schemas/job-record.js';
import { isTerminalState } from '../schemas/job-state.js';
import type { ClientContext } from './context.js';
import { getJob } from './get-jobs.js';
import { waitForJobs } from './wait.js';
import { listWorkers } from './workers.js';

export interface CancelOptions {
  /** First signal sent to the process group. @default "SIGTERM" */
  readonly signal?: string;
  /** Ms between that signal and SIGKILL. @default 5000 */
  readonly graceMs?: number;
  /** Resolve only once the job has ended. @default true */
  readonly wait?: boolean;
  /** How long to wait for the end beyond the grace period. @default 15000 */
  readonly extraWaitMs?: number;
}

export interface CancelResult {
  readonly record: JobRecord;
  /** What happened: it was queued and removed, it was running and was killed, or it had already ended. */
  readonly action: 'removed' | 'killed' | 'already-ended' | 'requested';
}

export function validateSignal(signal: string): string {
  const name = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
  if (!(name in constants.signals)) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `signal must be a signal name such as SIGTERM, SIGINT or KILL, got '${signal}'`);
  }
  return name;
}

/**
 * Cancels a job from any machine. A queued job is removed and ends `cancelled`; a running job's
 * worker is told over its control channel to kill the whole tree. The request is also written on
 * the job, so a worker that is just taking the job honours it.
 */
export async function cancelJob(ctx: ClientContext, given: string, options: CancelOptions = {}): Promise<CancelResult> {
  const signal = validateSignal(options.signal ?? 'SIGTERM');
  const graceMs = options.graceMs ?? 5000;
  const record = await getJob(ctx, given);
  // The record's own id from here on (a bare plain-BullMQ id resolves to `<queue>:<id>`).
  const id = record.id;
  if (isTerminalState(record.state)) return { record, action: 'already-ended' };
  const redis = await ctx.redis();
  await requestCancel(redis, ctx.keys, id, signal);

  if (record.state === 'queued') {
    const queue = await ctx.queue(record.queue);
    // BullMQ's own id: a plain BullMQ job's record id is qualified by its queue (ids.ts).
    const bullId = bullJobIdOf(id);
    const job = await queue.getJob(bullId);
    // remove() refuses (returns 0) when a worker holds the job's lock: then it is running.
    const removed = job ? (await queue.remove(bullId)) === 1 : false;
    if (removed) {
      // The record carries the spec's fields (written at enqueue, or when a worker took a plain
      // BullMQ job that is now waiting for a retry): the finish writes them with the outcome.
      const now = new Date().toISOString();
      const final: JobRecord = { ...record, state: 'cancelled', signal: null, reason: 'cancelled before it started', finishedAt: now, durationMs: 0 };
      await finishJob(redis, ctx.keys, final);
      return { record: await getJob(ctx, id), action: 'removed' };
    }
  }

  const current = await getJob(ctx, id);
  if (isTerminalState(current.state)) return { record: current, action: 'already-ended' };
  if (current.workerId) {
    const message: KillMessage = { type: 'kill', jobId: id, signal, graceMs };
    const receivers = await redis.publish(ctx.keys.control(current.workerId), JSON.stringify(message));
    // Nobody listens on its channel and its heartbeat expired (the reaper's test): nobody will end
    // the job, so this does, through the same transition.
    if (receivers === 0 && !(await listWorkers(ctx)).some((w) => w.id === current.workerId && w.alive)) {
      return { record: await endOrphan(ctx, current), action: 'killed' };
    }
  }
  if (options.wait === false) return { record: current, action: 'requested' };
  const [final] = await waitForJobs(ctx, [id], { timeoutMs: graceMs + (options.extraWaitMs ?? 15_000) });
  return { record: final!, action: 'killed' };
}

/**
 * Ends a job whose worker is gone as `worker-lost` (its outcome is unknown: nobody saw it exit).
 * The host's reaping entry stays, so a worker that starts there kills what the job left running.
 */
async function endOrphan(ctx: ClientContext, record: JobRecord): Promise<JobRecord> {
  const host = record.host ?? 'its host';
  const reason = `cancel requested, but worker ${record.workerId} is gone (no heartbeat): ended without seeing it exit; a worker starting on ${host} kills any process it left`;
  await finishWorkerLost(await ctx.redis(), ctx.keys, record, reason);
  return getJob(ctx, record.id);
}
