import type { JobRecord, KinglyClient, LogEntry } from '@kingly/cmd';
import { interruptSignal } from './interrupt.js';
import { LogPrinter } from './output/log-printer.js';

export interface PrintLogOptions {
  /** Keep printing until the job has finished and its log is read to the end. @default false */
  readonly follow?: boolean;
  /** Start with only the last N lines. @default undefined (all) */
  readonly tail?: number;
  /** Called for each entry, in order; may wait (back-pressure). */
  readonly onEntry: (entry: LogEntry) => void | Promise<void>;
  /** Stops following (Ctrl-C). @default undefined */
  readonly signal?: AbortSignal;
  /** Settles once the job is terminal (one watcher shared by many readers). @default a wait of its own */
  readonly ended?: Promise<unknown>;
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
  const stopped = new Promise<never>((_, reject) => watcher.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }));
  // Whichever comes first: the end of the log, or the job's terminal state.
  const watching = Promise.race([options.ended ?? client.waitForJob(id, { signal: watcher.signal }), stopped])
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

export interface PrintJobLogOptions {
  /** Keep printing until the job has finished. @default false */
  readonly follow?: boolean;
  /** Start with only the last N lines. @default undefined (all) */
  readonly tail?: number;
  /** One JSON object per line. @default false */
  readonly json?: boolean;
}

/**
 * `kingly logs` and `kingly dev logs`: prints a job's log (stdout lines on stdout, the rest on
 * stderr) until its end or Ctrl-C. Returns false when the user stopped it.
 */
export async function printJobLog(client: KinglyClient, id: string, options: PrintJobLogOptions): Promise<boolean> {
  const printer = new LogPrinter({ json: options.json === true });
  const interrupt = interruptSignal();
  try {
    await readJobLog(client, id, {
      follow: options.follow === true,
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
      onEntry: (entry) => printer.add(entry),
      signal: interrupt.signal,
    });
    await printer.flush();
  } finally {
    interrupt.dispose();
  }
  return !interrupt.signal.aborted;
}
