/** Messages clients publish on a worker's control channel. */
export interface KillMessage {
  readonly type: 'kill';
  readonly jobId: string;
  /** First signal to the process group. */
  readonly signal: string;
  /** Ms before SIGKILL. */
  readonly graceMs: number;
}

export type ControlMessage = KillMessage;

/** Field of the job hash a canceller sets before telling the worker, so a worker about to start the job sees it. */
export const CANCEL_FIELD = 'cancelSignal';

export function parseControlMessage(text: string): ControlMessage | undefined {
  try {
    const value = JSON.parse(text) as Partial<KillMessage>;
    if (value.type === 'kill' && typeof value.jobId === 'string' && typeof value.signal === 'string' && typeof value.graceMs === 'number') {
      return value as KillMessage;
    }
  } catch {
    /* not ours */
  }
  return undefined;
}
