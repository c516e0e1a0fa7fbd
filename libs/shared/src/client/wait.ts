import { ErrorCodes, KinglyError } from '../errors.js';
import { isValidJobId } from '../ids.js';
import { recordFromHash } from '../record-hash.js';
import type { JobRecord } from '../schemas/job-record.js';
import { isTerminalState } from '../schemas/job-state.js';
import type { ClientContext } from './context.js';
import { readEvents } from './events.js';
import { getJob } from './get-jobs.js';

export interface WaitOptions {
  /** Give up (E_TIMEOUT) after this many ms. @default undefined (wait as long as it takes) */
  readonly timeoutMs?: number;
  /** Stops waiting. @default undefined */
  readonly signal?: AbortSignal;
  /** Called with each job's final record as soon as that job is terminal. @default undefined */
  readonly onEach?: (record: JobRecord) => void;
}

/**
 * Resolves with each job's record once it is terminal. Reads the events stream from before the
 * records are checked, so a job that ends in between is not missed.
 */
export async function waitForJobs(ctx: ClientContext, ids: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
  const { since, done } = await endedNow(ctx, ids);
  for (const record of done.values()) options.onEach?.(record);
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
        options.onEach?.(event.record);
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

type RawEntry = [id: string, fields: string[]];

/**
 * The newest event id, then the jobs that have ended already, in two pipelined round trips
 * whatever the number of jobs (it used to be four or five round trips per job, one job after the
 * other). The XREVRANGE runs before the HGETALLs in the same pipeline, so a job that ends after its
 * record was read is in the stream after `since`. A job no worker has touched yet is looked up in
 * BullMQ: there and not finished means not ended; anything else (finished in BullMQ, not found)
 * goes through getJob as before, which throws E_JOB_NOT_FOUND for an unknown id, in `ids` order.
 */
async function endedNow(ctx: ClientContext, ids: readonly string[]): Promise<{ since: string; done: Map<string, JobRecord> }> {
  const redis = await ctx.redis();
  const first = redis.pipeline();
  first.xrevrange(ctx.keys.events, '+', '-', 'COUNT', 1);
  const valid = ids.filter(isValidJobId);
  for (const id of valid) first.hgetall(ctx.keys.job(id));
  const [newest, ...hashes] = unwrap(await first.exec());
  const since = (newest as RawEntry[])[0]?.[0] ?? '0';
  const records = new Map<string, JobRecord>();
  valid.forEach((id, i) => {
    const hash = hashes[i] as Record<string, string>;
    if (hash.state) records.set(id, recordFromHash(id, hash));
  });

  // Not started (no record): still waiting or active in BullMQ, without finishedOn, is not ended.
  const unstarted = valid.filter((id) => !records.has(id));
  const queued = new Set<string>();
  if (unstarted.length > 0) {
    const queues = await Promise.all((await ctx.knownQueues()).map((name) => ctx.queue(name)));
    const second = redis.pipeline();
    for (const id of unstarted) for (const queue of queues) second.hmget(queue.toKey(id), 'timestamp', 'finishedOn');
    const fields = unwrap(await second.exec()) as Array<Array<string | null>>;
    unstarted.forEach((id, i) => {
      const found = fields.slice(i * queues.length, (i + 1) * queues.length).find(([timestamp]) => timestamp !== null);
      if (found && found[1] === null) queued.add(id);
    });
  }

  const done = new Map<string, JobRecord>();
  for (const id of ids) {
    if (queued.has(id)) continue;
    const record = records.get(id) ?? (await getJob(ctx, id));
    if (isTerminalState(record.state)) done.set(id, record);
  }
  return { since, done };
}

function unwrap(results: Array<[Error | null, unknown]> | null): unknown[] {
  return (results ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
