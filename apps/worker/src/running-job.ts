import type { Job } from 'bullmq';
import type { JobData, Outcome, RunLimits } from '@kingly/cmd';
import { killJobProcesses } from './kill.js';

/** Outcomes the worker imposes by killing a job (cancel, limits, shutdown, its own expired heartbeat). */
export type StopOutcome = Extract<Outcome, { state: 'cancelled' | 'timed-out' | 'memory-limit' | 'worker-lost' }>;

/** The latest measurement of a job's whole process tree. */
export interface Sample {
  readonly cpuPercent: number;
  readonly rssBytes: number;
  readonly processCount: number;
}

/**
 * A job taken by this worker, from its first process to its last (restarts included): what the
 * sampler, the limits, the control channel and the kill paths share.
 */
export class RunningJob {
  readonly id: string;
  readonly job: Job<JobData>;
  readonly limits: RunLimits;
  readonly startedAt = Date.now();
  /** Adds a system line to the job's log. */
  readonly log: (line: string) => void;
  /** Process group of the command now running; null between restarts. */
  pgid: number | null = null;
  latest: Sample | undefined;
  /** Also given every chunk of the command's stdout (an agent job's reader). @default undefined */
  onStdout: ((chunk: Buffer) => void) | undefined;
  peakRssBytes: number | null = null;
  cpuSeconds: number | null = null;
  #stopOutcome: StopOutcome | undefined;
  #stopOptions: { signal?: NodeJS.Signals; graceMs?: number } = {};
  #stopping: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(init: { id: string; job: Job<JobData>; limits: RunLimits; log: (line: string) => void }) {
    this.id = init.id;
    this.job = init.job;
    this.limits = init.limits;
    this.log = init.log;
  }

  /** The outcome to report when the process ends because we stopped it. */
  get stopOutcome(): StopOutcome | undefined {
    return this.#stopOutcome;
  }

  /** Resolves when a stop in progress has killed every process (at once when none is). */
  get stopped(): Promise<void> {
    return this.#stopping ?? Promise.resolve();
  }

  /** Records a sample and keeps the peaks. */
  record(sample: Sample, cpuSecondsDelta: number): void {
    this.latest = sample;
    this.peakRssBytes = Math.max(this.peakRssBytes ?? 0, sample.rssBytes);
    this.cpuSeconds = (this.cpuSeconds ?? 0) + cpuSecondsDelta;
  }

  /** Waits `ms` (a restart delay); a stop ends the wait early. */
  sleep(ms: number): Promise<void> {
    if (this.#stopOutcome) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /**
   * Kills every process of the job (signal, then SIGKILL after the grace period) and makes its
   * end report `outcome`. The first stop wins; later calls wait for it. Never rejects.
   */
  stop(outcome: StopOutcome, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    if (!this.#stopping) {
      this.#stopOutcome = outcome;
      this.#stopOptions = options;
      if (outcome.reason) this.log(`[kingly] ${outcome.reason}`);
      this.#stopping = this.#kill(this.pgid);
      this.#wake?.();
    }
    return this.#stopping;
  }

  /**
   * The command's process exists (pgid = its pid). A stop that came while it was being started
   * (between spawn() and its 'spawn' event, or during a worktree setup step) found nothing to kill:
   * it kills this one now.
   */
  attach(pgid: number): void {
    this.pgid = pgid;
    if (this.#stopping) {
      const earlier = this.#stopping;
      this.#stopping = Promise.all([earlier, this.#kill(pgid)]).then(() => undefined);
    }
  }

  #kill(pgid: number | null): Promise<void> {
    // Never rejects: callers fire stops and forget them (a timer, a control message), so a failed
    // kill is said in the job's log rather than lost as an unhandled rejection.
    return killJobProcesses(this.id, pgid, this.#stopOptions).then(
      (left) => {
        if (left > 0) this.log(`[kingly] ${left} process(es) of the job could not be killed`);
      },
      (error: unknown) => this.log(`[kingly] could not kill the job's processes: ${(error as Error)?.message ?? String(error)}`),
    );
  }
}
