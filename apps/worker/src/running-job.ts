import type { Outcome } from '@kingly/cmd';
import { killGroup } from './kill.js';

/** Outcomes the worker imposes by killing a job (cancel, limits, shutdown). */
export type StopOutcome = Extract<Outcome, { state: 'cancelled' | 'timed-out' | 'memory-limit' }>;

/** A job whose process group is alive on this worker. */
export class RunningJob {
  readonly id: string;
  readonly pgid: number;
  readonly startedAt: number;
  #stopOutcome: StopOutcome | undefined;
  #stopping: Promise<void> | undefined;

  constructor(id: string, pgid: number, startedAt: number) {
    this.id = id;
    this.pgid = pgid;
    this.startedAt = startedAt;
  }

  /** The outcome to report when the process ends because we stopped it. */
  get stopOutcome(): StopOutcome | undefined {
    return this.#stopOutcome;
  }

  /**
   * Kills the job's process group (signal, then SIGKILL after the grace period) and makes its
   * exit report `outcome`. The first stop wins; later calls wait for it.
   */
  stop(outcome: StopOutcome, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    if (!this.#stopping) {
      this.#stopOutcome = outcome;
      this.#stopping = killGroup(this.pgid, options);
    }
    return this.#stopping;
  }
}
