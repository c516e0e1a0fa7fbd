import { ErrorCodes, KinglyError } from '../errors.js';
import { recordFromHash } from '../record-hash.js';
import type { JobRecord } from '../schemas/job-record.js';
import { isTerminalState } from '../schemas/job-state.js';
import type { ClientContext } from './context.js';
import { findJob } from './get-jobs.js';
import { untakenJobRecordId } from './untaken-job.js';

export interface WaitOptions {
  /** Give up (E_TIMEOUT) after this many ms. @default undefined (wait as long as it takes) */
  readonly timeoutMs?: number;
  /** Stops waiting. @default undefined */
  readonly signal?: AbortSignal;
  /** Called with each job's final record as soon as that job is terminal. @default undefined */
  readonly onEach?: (record: JobRecord) => void;
}

/**
 * Resolves with each job's record once it is terminal. Subscribes to the client's shared events
 * reader before the records are checked, so a job that ends in between is seen by one or the
 * other; 1,000 waits on one client share one reader.
 */
export async function waitForJobs(ctx: ClientContext, ids: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
  const done = new Map<string, JobRecord>();
  const pending = new Set(ids);
  // Record id → the id the caller gave, for bare plain-BullMQ ids keyed `<queue>:<id>` (ids.ts).
  const aliases = new Map<string, string>();
  const finish = (recordId: string, record: JobRecord): void => {
    const id = aliases.get(recordId) ?? recordId;
    if (!pending.delete(id)) return;
    done.set(id, record);
    options.onEach?.(record);
    if (pending.size === 0) settle.resolve();
  };
  let settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: noop, reject: noop };
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Awaited only while jobs are pending; an error that comes before then is thrown there.
  finished.catch(noop);
  const subscribe = (jobIds: string[]): Promise<() => void> =>
    ctx.events().subscribe({
      jobIds,
      onEvent: (event) => {
        if (event.type === 'finished' && event.record) finish(event.jobId, event.record);
      },
      onError: (error) => settle.reject(error),
    });
  const unsubscribes = [await subscribe([...pending])];
  try {
    const { ended, unkeyed } = await endedNow(ctx, ids);
    for (const [id, record] of ended) finish(id, record);
    if (unkeyed.length > 0) {
      // Ids with no record of their own: a plain BullMQ job's record is keyed `<queue>:<id>`, and
      // one no worker took yet has none (untaken-job.ts); else E_JOB_NOT_FOUND, in `ids` order.
      // Subscribed before they are read again, so an end in between is not missed.
      for (const id of unkeyed) aliases.set((await findJob(ctx, id))?.id ?? (await untakenJobRecordId(ctx, id)), id);
      unsubscribes.push(await subscribe([...aliases.keys()]));
      for (const recordId of aliases.keys()) {
        const record = await findJob(ctx, recordId);
        if (record && isTerminalState(record.state)) finish(recordId, record);
      }
    }
    if (pending.size > 0) await untilFinished(finished, pending, options);
  } finally {
    for (const unsubscribe of unsubscribes) unsubscribe();
  }
  return ids.map((id) => done.get(id)!);
}

const noop = (): void => undefined;

/** `finished`, or E_TIMEOUT once the caller's timeout passes or its signal aborts. */
async function untilFinished(finished: Promise<void>, pending: ReadonlySet<string>, options: WaitOptions): Promise<void> {
  let stop = noop;
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const aborted = (): void => reject(new KinglyError(ErrorCodes.TIMEOUT, 'waiting was stopped before the jobs finished'));
    if (options.signal?.aborted) aborted();
    options.signal?.addEventListener('abort', aborted, { once: true });
    stop = () => options.signal?.removeEventListener('abort', aborted);
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(
        () => reject(new KinglyError(ErrorCodes.TIMEOUT, `job ${[...pending].join(', ')} still not finished after ${options.timeoutMs}ms`)),
        options.timeoutMs,
      );
    }
  });
  try {
    await Promise.race([finished, stopped]);
  } finally {
    clearTimeout(timer);
    stop();
  }
}

/**
 * The jobs that have ended already, in one pipelined round trip whatever the number of jobs, and
 * the ids that have no record under their own key (a plain BullMQ job named by its bare id, or an
 * unknown one): the caller resolves those.
 */
async function endedNow(ctx: ClientContext, ids: readonly string[]): Promise<{ ended: Map<string, JobRecord>; unkeyed: string[] }> {
  const redis = await ctx.redis();
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(ctx.keys.job(id));
  const hashes = unwrap(await pipeline.exec());
  const ended = new Map<string, JobRecord>();
  const unkeyed: string[] = [];
  ids.forEach((id, i) => {
    const hash = hashes[i] as Record<string, string>;
    if (!hash.state) unkeyed.push(id);
    else if (isTerminalState(hash.state as JobRecord['state'])) ended.set(id, recordFromHash(id, hash));
  });
  return { ended, unkeyed };
}

function unwrap(results: Array<[Error | null, unknown]> | null): unknown[] {
  return (results ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
