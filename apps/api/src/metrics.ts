import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { JOB_STATES, type KinglyClient } from '@kingly/cmd';
import { knownQueues } from './live/known-queues.js';
import { FinishedJobMetrics } from './metrics-finished.js';
import { RunningMetrics } from './metrics-running.js';
import { WebhookMetrics } from './webhooks/metrics.js';

const WAITING = ['waiting', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * kingly's Prometheus metrics. Gauges are read from Redis at scrape time (one status read and the
 * queue counts), so any API instance reports the same; finished jobs are counted from the events
 * stream (metrics-finished.ts). No series is labelled with a job id: their number is bounded by
 * queues, states and live workers, however many jobs run.
 */
export class KinglyMetrics {
  readonly registry = new Registry();
  readonly #jobs: Gauge;
  readonly #running: Gauge;
  readonly #cpuTotal: Gauge;
  readonly #rssTotal: Gauge;
  readonly #depth: Gauge;
  readonly #workers: Gauge;
  readonly #linesTotal: Counter;
  readonly #byQueueAndWorker: RunningMetrics;
  readonly #finished: FinishedJobMetrics;
  readonly #webhooks: WebhookMetrics;
  /** The Redis total at the last scrape: the Prometheus counter grows by the difference. */
  #linesSeen = 0;

  constructor() {
    const registers = [this.registry];
    this.#jobs = new Gauge({ name: 'kingly_jobs', help: 'Jobs kept in Redis, by state', labelNames: ['state'], registers });
    this.#running = new Gauge({ name: 'kingly_running_jobs', help: 'Jobs whose processes are running', registers });
    this.#cpuTotal = new Gauge({ name: 'kingly_running_cpu_percent', help: 'CPU use of all running jobs (100 = one core)', registers });
    this.#rssTotal = new Gauge({ name: 'kingly_running_rss_bytes', help: 'Resident memory of all running jobs', registers });
    this.#depth = new Gauge({ name: 'kingly_queue_depth', help: 'Jobs waiting to start, by queue', labelNames: ['queue'], registers });
    this.#workers = new Gauge({ name: 'kingly_workers', help: 'Workers by heartbeat (alive; dead: listed for an hour after their heartbeat expired)', labelNames: ['state'], registers });
    this.#linesTotal = new Counter({ name: 'kingly_log_lines_written_total', help: 'Log lines written by every job, on every worker (kept in Redis)', registers });
    this.#byQueueAndWorker = new RunningMetrics(this.registry);
    this.#finished = new FinishedJobMetrics(this.registry);
    this.#webhooks = new WebhookMetrics(this.registry);
    collectDefaultMetrics({ register: this.registry, prefix: 'kingly_api_' });
  }

  /** Reads the current figures and renders the Prometheus text. */
  async render(client: KinglyClient): Promise<string> {
    const [status, queues, redis] = await Promise.all([client.status(), knownQueues(client), client.redis()]);
    for (const state of JOB_STATES) this.#jobs.set({ state }, status.counts[state]);
    this.#running.set(status.running.length);
    this.#webhooks.update(status.webhooks);
    this.#depth.reset();
    this.#cpuTotal.set(status.running.reduce((sum, job) => sum + (job.cpuPercent ?? 0), 0));
    this.#rssTotal.set(status.running.reduce((sum, job) => sum + (job.rssBytes ?? 0), 0));
    this.#byQueueAndWorker.update(status, queues);
    await this.#finished.update(client, new Set(status.workers.map((w) => w.id)));
    for (const name of queues) {
      const counts = await (await client.queue(name)).getJobCounts(...WAITING);
      this.#depth.set({ queue: name }, WAITING.reduce((sum, t) => sum + (counts[t] ?? 0), 0));
    }
    const lines = Number((await redis.hget(client.keys.stats, 'logLines')) ?? 0);
    // The counter follows the total kept in Redis (so it is the same on every API instance).
    if (lines > this.#linesSeen) this.#linesTotal.inc(lines - this.#linesSeen);
    this.#linesSeen = lines;
    const alive = status.workers.filter((w) => w.alive).length;
    this.#workers.set({ state: 'alive' }, alive);
    this.#workers.set({ state: 'dead' }, status.workers.length - alive);
    return this.registry.metrics();
  }
}
