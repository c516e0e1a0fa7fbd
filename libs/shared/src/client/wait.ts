import { ErrorCodes, KinglyError } from '../errors.js';
import type { JobRecord } from '../schemas/job-record.js';
import { isTerminalState } from '../schemas/job-state.js';
import type { ClientContext } from './context.js';
import { lastEventId, readEvents } from './events.js';
import { getJob } from './get-jobs.js';

export interface WaitOptions {
  /** Give up (E_TIMEOUT) after this many ms. @default undefined (wait as long as it takes) */
  readonly timeoutMs?: number;
  /** Stops waiting. @default undefined */
  readonly signal?: AbortSignal;
}

/**
 * Resolves with each job's record once it is terminal. Reads the events stream from before the
 * records are checked, so a job that ends in between is not missed.
 */
export async function waitForJobs(ctx: ClientContext, ids: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
  const since = await lastEventId(ctx);
  const done = new Map<string, JobRecord>();
  for (const id of ids) {
    const record = await getJob(ctx, id);
    if (isTerminalState(record.state)) done.set(id, record);
  }
  const pending = new Set(ids.filter((id) => !done.has(id)));
  if (pending.size > 0) {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    options.signal?.addEventListener('abort', stop, { once: true });
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, options.timeoutMs);
    try {
      for await (const event of readEvents(ctx, { since, signal: controller.signal })) {
        if (event.type !== 'finished' || !event.record || !pending.has(event.jobId)) continue;
        done.set(event.jobId, event.record);
        pending.delete(event.jobId);
        if (pending.size === 0) break;
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      controller.abort();
    }
    if (pending.size > 0) {
      if (timedOut) {
        throw new KinglyError(ErrorCodes.TIMEOUT, `job ${[...pending].join(', ')} still not finished after ${options.timeoutMs}ms`);
      }
      throw new KinglyError(ErrorCodes.TIMEOUT, 'waiting was stopped before the jobs finished');
    }
  }
  return ids.map((id) => done.get(id)!);
}
