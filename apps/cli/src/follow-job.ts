import type { JobRecord, KinglyClient, LogEntry } from '@kingly/cmd';

export interface PrintLogOptions {
  /** Keep printing until the job has finished and its log is read to the end. @default false */
  readonly follow?: boolean;
  /** Start with only the last N lines. @default undefined (all) */
  readonly tail?: number;
  /** Called for each entry, in order; may wait (back-pressure). */
  readonly onEntry: (entry: LogEntry) => void | Promise<void>;
  /** Stops following (Ctrl-C). @default undefined */
  readonly signal?: AbortSignal;
}

/**
 * Reads a job's log. With `follow` it ends at the log's end-of-log entry, or, should that never
 * come (a worker that died), once the job is terminal and everything its log holds has been read:
 * the live reader is stopped and the rest is read without blocking, so no line is lost either way.
 */
export async function readJobLog(client: KinglyClient, id: string, options: PrintLogOptions): Promise<void> {
  const tail = options.tail;
  if (!options.follow) {
    for await (const entry of client.followLogs(id, { follow: false, ...(tail !== undefined ? { tail } : {}) })) {
      await options.onEntry(entry);
    }
    return;
  }
  const live = new AbortController();
  const stopLive = (): void => live.abort();
  options.signal?.addEventListener('abort', stopLive, { once: true });
  const watcher = new AbortController();
  let finished = false;
  // Whichever comes first: the end of the log, or the job's terminal state.
  const watching = client
    .waitForJob(id, { signal: watcher.signal })
    .then(() => {
      finished = true;
      live.abort();
    })
    .catch(() => {
      /* stopped because the log ended first, or the user stopped following */
    });
  let last: string | undefined;
  try {
    for await (const entry of client.followLogs(id, { signal: live.signal, ...(tail !== undefined ? { tail } : {}) })) {
      last = entry.id;
      await options.onEntry(entry);
    }
  } finally {
    watcher.abort();
    options.signal?.removeEventListener('abort', stopLive);
    await watching;
  }
  if (finished && !options.signal?.aborted) {
    // The job is over; read whatever is left without waiting for more.
    const from = last !== undefined ? { from: last } : tail !== undefined ? { tail } : {};
    for await (const entry of client.followLogs(id, { follow: false, ...from })) await options.onEntry(entry);
  }
}

/** The job's final record (waits until it is terminal). */
export const finalRecord = (client: KinglyClient, id: string, signal?: AbortSignal): Promise<JobRecord> =>
  client.waitForJob(id, signal ? { signal } : {});
