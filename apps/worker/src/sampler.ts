import type { Redis } from 'ioredis';
import { formatBytes, type KinglyKeys } from '@kingly/cmd';
import { CookieCache, jobProcesses } from './job-processes.js';
import { CLOCK_TICKS, readProcTable } from './proc-table.js';
import type { RunningJob } from './running-job.js';

export interface SamplerOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  readonly running: ReadonlyMap<string, RunningJob>;
  readonly cookies: CookieCache;
  /** Sampling period in ms (at least 100). */
  readonly intervalMs: number;
}

/**
 * Every interval, one pass over /proc measures every running job's whole process tree (group,
 * descendants and escaped processes carrying its cookie): CPU % (sum), RSS (sum), process count.
 * Writes the sample to the job's record and BullMQ progress, and enforces the memory limit.
 */
export class Sampler {
  readonly #o: SamplerOptions;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  /** CPU ticks per process (pid:startTime) at the last sample. */
  #lastTicks = new Map<string, number>();
  #lastAt = 0;

  constructor(options: SamplerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => void this.tick(), this.#o.intervalMs);
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
      const updates: Array<Promise<unknown>> = [];
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
        pipeline.hset(this.#o.keys.job(job.id), {
          ...sample,
          peakRssBytes: job.peakRssBytes ?? rss,
          cpuSeconds: Math.round((job.cpuSeconds ?? 0) * 100) / 100,
        });
        updates.push(job.job.updateProgress({ ...sample, pid: job.pgid ?? undefined, peakRssBytes: job.peakRssBytes, cpuSeconds: job.cpuSeconds }).catch(() => {}));
        const max = job.limits.maxMemoryBytes;
        if (max !== undefined && rss > max) {
          void job.stop({ state: 'memory-limit', signal: 'SIGKILL', reason: `memory use ${formatBytes(rss)} (${rss} bytes) passed the limit ${formatBytes(max)} (${max} bytes)` }, { signal: 'SIGKILL' });
        }
      }
      this.#lastTicks = ticks;
      updates.push(pipeline.exec().catch(() => {}));
      await Promise.all(updates);
    } finally {
      this.#ticking = false;
    }
  }
}
