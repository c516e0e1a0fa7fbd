import type { Job } from 'bullmq';
import type { JobData, Outcome, RunLimits } from '@kingly/cmd';
import { killJobProcesses } from './kill.js';

/** Outcomes the worker imposes by killing a job (cancel, limits, shutdown). */
export type StopOutcome = Extract<Outcome, { state: 'cancelled' | 'timed-out' | 'memory-limit' }>;

/** The latest measurement of a job's whole process tree. */
export interface Sample {
  readonly cpuPercent: number;
  readonly rssBytes: number;
  readonly processCount: number;
}

/** A job whose processes are alive on this worker: what the sampler, limits and kill paths share. */
export class RunningJob {
  readonly id: string;
  readonly pgid: number;
  readonly startedAt: number;
  readonly job: Job<JobData>;
  readonly limits: RunLimits;
  /** Adds a system line to the job's log. */
  readonly log: (line: string) => void;
  latest: Sample | undefined;
  peakRssBytes: number | null = null;
  cpuSeconds: number | null = null;
  #stopOutcome: StopOutcome | undefined;
  #stopping: Promise<void> | undefined;

  constructor(init: { id: string; pgid: number; startedAt: number; job: Job<JobData>; limits: RunLimits; log: (line: string) => void }) {
    this.id = init.id;
    this.pgid = init.pgid;
    this.startedAt = init.startedAt;
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

  /**
   * Kills every process of the job (signal, then SIGKILL after the grace period) and makes its
   * exit report `outcome`. The first stop wins; later calls wait for it.
   */
  stop(outcome: StopOutcome, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    if (!this.#stopping) {
      this.#stopOutcome = outcome;
      if (outcome.reason) this.log(`[kingly] ${outcome.reason}`);
      this.#stopping = killJobProcesses(this.id, this.pgid, options).then((left) => {
        if (left > 0) this.log(`[kingly] ${left} process(es) of the job could not be killed`);
      });
    }
    return this.#stopping;
  }
}
