import { Gauge, type Registry } from 'prom-client';
import type { StatusReport } from '@kingly/cmd';

/**
 * What runs now, by queue and by worker: labels are queue names and the ids of listed workers
 * (a worker's series go when it leaves `kingly status`), never job ids.
 */
export class RunningMetrics {
  readonly #queueJobs: Gauge;
  readonly #queueCpu: Gauge;
  readonly #queueRss: Gauge;
  readonly #workerUp: Gauge;
  readonly #workerJobs: Gauge;
  readonly #workerConcurrency: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#queueJobs = new Gauge({ name: 'kingly_queue_running_jobs', help: 'Running jobs, by queue', labelNames: ['queue'], registers });
    this.#queueCpu = new Gauge({ name: 'kingly_queue_running_cpu_percent', help: 'CPU use of the running jobs of a queue (100 = one core)', labelNames: ['queue'], registers });
    this.#queueRss = new Gauge({ name: 'kingly_queue_running_rss_bytes', help: 'Resident memory of the running jobs of a queue', labelNames: ['queue'], registers });
    const worker = ['worker', 'host', 'queue'];
    this.#workerUp = new Gauge({ name: 'kingly_worker_up', help: 'A listed worker: 1 while its heartbeat is alive, 0 for an hour after it expired', labelNames: worker, registers });
    this.#workerJobs = new Gauge({ name: 'kingly_worker_running_jobs', help: 'Jobs running on a worker', labelNames: worker, registers });
    this.#workerConcurrency = new Gauge({ name: 'kingly_worker_concurrency', help: 'Jobs a worker runs at once at most', labelNames: worker, registers });
  }

  /** Sets every series from one status read; queues seen before and idle now read 0. */
  update(status: StatusReport, queues: readonly string[]): void {
    for (const gauge of [this.#workerUp, this.#workerJobs, this.#workerConcurrency]) gauge.reset();
    const byQueue = new Map<string, { jobs: number; cpu: number; rss: number }>(queues.map((q) => [q, { jobs: 0, cpu: 0, rss: 0 }]));
    for (const job of status.running) {
      const q = byQueue.get(job.queue) ?? { jobs: 0, cpu: 0, rss: 0 };
      byQueue.set(job.queue, { jobs: q.jobs + 1, cpu: q.cpu + (job.cpuPercent ?? 0), rss: q.rss + (job.rssBytes ?? 0) });
    }
    for (const [queue, q] of byQueue) {
      this.#queueJobs.set({ queue }, q.jobs);
      this.#queueCpu.set({ queue }, q.cpu);
      this.#queueRss.set({ queue }, q.rss);
    }
    for (const w of status.workers) {
      const labels = { worker: w.id, host: w.host, queue: w.queue };
      this.#workerUp.set(labels, w.alive ? 1 : 0);
      this.#workerJobs.set(labels, w.running);
      this.#workerConcurrency.set(labels, w.concurrency);
    }
  }
}
