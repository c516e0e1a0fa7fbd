import type { Redis } from 'ioredis';
import { formatBytes, writeSample, type KinglyKeys } from '@kingly/cmd';
import { CookieCache, jobProcesses } from './job-processes.js';
import { CLOCK_TICKS, readProcTable } from './proc-table.js';
import type { RunningJob } from './running-job.js';
import type { FailureLog } from './failure-log.js';

export interface SamplerOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  readonly running: ReadonlyMap<string, RunningJob>;
  readonly cookies: CookieCache;
  /** Sampling period in ms (at least 100). */
  readonly intervalMs: number;
  /** Points of a job's resource history kept at most (WorkerOptions.maxSamplesPerJob). */
  readonly maxSamples: number;
  /** Where failed samples and writes are reported. */
  readonly failures: FailureLog;
}

/**
 * Every interval, one pass over /proc measures every running job's whole process tree (group,
 * descendants and escaped processes carrying its cookie): CPU % (sum), RSS (sum), process count.
 * Writes the sample to the job's record and history and BullMQ progress, and enforces the memory limit.
 * A failure is logged and the next tick tries again: the memory limit depends on this loop.
 */
export class Sampler {
  readonly #o: SamplerOptions;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  /** CPU ticks per process (pid:startTime) at the last sample. */
  #lastTicks = new Map<string, number>();
  #lastAt = 0;
  /** Jobs whose writes failed at the last tick, so their failures are forgotten once they end. */
  #failingJobs = new Set<string>();

  constructor(options: SamplerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.tick().then(
        () => this.#o.failures.worked('sampler'),
        (error: unknown) => this.#o.failures.failed('sampler', error),
      );
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One sample of every running job; overlapping ticks are skipped. */
  async tick(): Promise<void> {
    if (this.#ticking || this.#o.running.size === 0) return;
    this.#ticking = true;
    try {
      const jobs = [...this.#o.running.values()];
      const table = await readProcTable();
      const now = Date.now();
      const elapsedSec = this.#lastAt === 0 ? this.#o.intervalMs / 1000 : (now - this.#lastAt) / 1000;
      this.#lastAt = now;
      const owned = await jobProcesses(table, jobs, this.#o.cookies);
      this.#o.cookies.prune(table);
      const ticks = new Map<string, number>();
      const pipeline = this.#o.redis.pipeline();
      const sampled: RunningJob[] = [];
      const updates: Array<Promise<void>> = [];
      for (const job of jobs) {
        const procs = owned.get(job.id) ?? [];
        let delta = 0;
        let rss = 0;
        for (const p of procs) {
          const key = `${p.pid}:${p.startTime}`;
          ticks.set(key, p.cpuTicks);
          delta += p.cpuTicks - (this.#lastTicks.get(key) ?? 0);
          rss += p.rssBytes;
        }
        if (procs.length === 0) continue;
        const cpuSecondsDelta = delta / CLOCK_TICKS;
        const sample = { cpuPercent: Math.round((cpuSecondsDelta / elapsedSec) * 1000) / 10, rssBytes: rss, processCount: procs.length };
        job.record(sample, cpuSecondsDelta);
        sampled.push(job);
        writeSample(pipeline, this.#o.keys, job.id, {
          ...sample,
          peakRssBytes: job.peakRssBytes ?? rss,
          cpuSeconds: Math.round((job.cpuSeconds ?? 0) * 100) / 100,
        }, { t: now, maxSamples: this.#o.maxSamples });
        // Progress always names the process: none is published while the command's pid is not
        // known yet (its processes can be found by their cookie a moment before) or between restarts.
        if (job.pgid !== null) {
          const progress = { ...sample, pid: job.pgid, peakRssBytes: job.peakRssBytes, cpuSeconds: job.cpuSeconds };
          updates.push(job.job.updateProgress(progress).then(() => this.#worked(job.id, 'progress'), (error: unknown) => this.#failed(job.id, 'progress', error)));
        }
        const max = job.limits.maxMemoryBytes;
        if (max !== undefined && rss > max) {
          const reason = `memory use ${formatBytes(rss)} (${rss} bytes) passed the limit ${formatBytes(max)} (${max} bytes)`;
          // Not awaited: the kill must not hold up the other jobs' samples.
          job.stop({ state: 'memory-limit', signal: 'SIGKILL', reason }, { signal: 'SIGKILL' }).catch((error: unknown) => this.#o.failures.failed(`sampler: memory-limit kill of job ${job.id}`, error));
        }
      }
      this.#lastTicks = ticks;
      updates.push(
        pipeline.exec().then((results) => {
          // A pipeline reports each command's error (a key of the wrong type) in its results.
          sampled.forEach((job, i) => {
            const error = results?.[i]?.[0];
            if (error) this.#failed(job.id, 'record', error);
            else this.#worked(job.id, 'record');
          });
        }),
      );
      await Promise.all(updates);
      for (const id of this.#failingJobs) {
        if (!this.#o.running.has(id)) {
          this.#o.failures.forget(`sampler: job ${id} record`);
          this.#o.failures.forget(`sampler: job ${id} progress`);
          this.#failingJobs.delete(id);
        }
      }
    } finally {
      this.#ticking = false;
    }
  }

  #failed(id: string, write: 'record' | 'progress', error: unknown): void {
    this.#failingJobs.add(id);
    this.#o.failures.failed(`sampler: job ${id} ${write}`, error);
  }

  #worked(id: string, write: 'record' | 'progress'): void {
    if (this.#failingJobs.has(id)) this.#o.failures.worked(`sampler: job ${id} ${write}`);
  }
}
