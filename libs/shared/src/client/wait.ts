import { ErrorCodes, KinglyError } from '../errors.js';
import { isValidJobId } from '../ids.js';
import { recordFromHash } from '../record-hash.js';
import type { JobRecord } from '../schemas/job-record.js';
import { isTerminalState } from '../schemas/job-state.js';
import type { ClientContext } from './context.js';
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
 * Resolves with each job's record once it is terminal. Subscribes to the client's shared events
 * reader before the records are checked, so a job that ends in between is seen by one or the
 * other; 1,000 waits on one client share one reader.
 */
export async function waitForJobs(ctx: ClientContext, ids: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
  const done = new Map<string, JobRecord>();
  const pending = new Set(ids);
  const finish = (id: string, record: JobRecord): void => {
    if (!pending.delete(id)) return;
    done.set(id, record);
    options.onEach?.(record);
    if (pending.size === 0) settle.resolve();
  };
  let settle: { resolve: () => void; reject: (error: unknown) => void } = { resolve: noop, reject: noop };
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Awaited only while jobs are pending; an error that comes before then is thrown there.
  finished.catch(noop);
  const unsubscribe = await ctx.events().subscribe({
    jobIds: [...pending],
    onEvent: (event) => {
      if (event.type === 'finished' && event.record) finish(event.jobId, event.record);
    },
    onError: (error) => settle.reject(error),
  });
  try {
    for (const [id, record] of await endedNow(ctx, ids)) finish(id, record);
    if (pending.size > 0) await untilFinished(finished, pending, options);
  } finally {
    unsubscribe();
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
 * The jobs that have ended already, in two pipelined round trips whatever the number of jobs (it
 * used to be four or five round trips per job, one job after the other). A job no worker has touched yet is looked up in
 * BullMQ: there and not finished means not ended; anything else (finished in BullMQ, not found)
 * goes through getJob as before, which throws E_JOB_NOT_FOUND for an unknown id, in `ids` order.
 */
async function endedNow(ctx: ClientContext, ids: readonly string[]): Promise<Map<string, JobRecord>> {
  const redis = await ctx.redis();
  const first = redis.pipeline();
  const valid = ids.filter(isValidJobId);
  for (const id of valid) first.hgetall(ctx.keys.job(id));
  const hashes = unwrap(await first.exec());
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
  return done;
}

function unwrap(results: Array<[Error | null, unknown]> | null): unknown[] {
  return (results ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
