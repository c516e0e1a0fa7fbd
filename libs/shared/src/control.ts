/** Messages clients publish on a worker's control channel. */
export interface KillMessage {
  readonly type: 'kill';
  readonly jobId: string;
  /** First signal to the process group. */
  readonly signal: string;
  /** Ms before SIGKILL. */
  readonly graceMs: number;
}

/** Run at most this many jobs at once from now on (kingly concurrency); running jobs go on. */
export interface ConcurrencyMessage {
  readonly type: 'concurrency';
  /** A whole number from 1 to MAX_WORKER_CONCURRENCY. */
  readonly concurrency: number;
}

/** The most jobs one worker may be told to run at once. */
export const MAX_WORKER_CONCURRENCY = 10_000;

export type ControlMessage = KillMessage | ConcurrencyMessage;

/** Field of the job hash a canceller sets before telling the worker, so a worker about to start the job sees it. */
export const CANCEL_FIELD = 'cancelSignal';

export function parseControlMessage(text: string): ControlMessage | undefined {
  try {
    const value = JSON.parse(text) as Partial<KillMessage> | Partial<ConcurrencyMessage>;
    if (value.type === 'kill' && typeof value.jobId === 'string' && typeof value.signal === 'string' && typeof value.graceMs === 'number') {
      return value as KillMessage;
    }
    if (value.type === 'concurrency' && Number.isInteger(value.concurrency) && value.concurrency! >= 1 && value.concurrency! <= MAX_WORKER_CONCURRENCY) {
      return value as ConcurrencyMessage;
    }
  } catch {
    /* not ours */
  }
  return undefined;
}
