import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { JOB_STATES, type KinglyClient } from '@kingly/cmd';
import { knownQueues } from './live/known-queues.js';
import { WebhookMetrics } from './webhooks/metrics.js';

const WAITING = ['waiting', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * kingly's Prometheus metrics. Every figure is read from Redis at scrape time (one status read,
 * queue counts and a stream length per running job), so any API instance reports the same.
 */
export class KinglyMetrics {
  readonly registry = new Registry();
  readonly #jobs: Gauge;
  readonly #running: Gauge;
  readonly #cpu: Gauge;
  readonly #rss: Gauge;
  readonly #processes: Gauge;
  readonly #logLines: Gauge;
  readonly #cpuTotal: Gauge;
  readonly #rssTotal: Gauge;
  readonly #depth: Gauge;
  readonly #workers: Gauge;
  readonly #linesTotal: Counter;
  readonly #webhooks: WebhookMetrics;
  /** The Redis total at the last scrape: the Prometheus counter grows by the difference. */
  #linesSeen = 0;

  constructor() {
    const registers = [this.registry];
    const job = ['job_id', 'queue'];
    this.#jobs = new Gauge({ name: 'kingly_jobs', help: 'Jobs kept in Redis, by state', labelNames: ['state'], registers });
    this.#running = new Gauge({ name: 'kingly_running_jobs', help: 'Jobs whose processes are running', registers });
    this.#cpu = new Gauge({ name: 'kingly_running_job_cpu_percent', help: "CPU use of a running job's whole process tree (100 = one core)", labelNames: job, registers });
    this.#rss = new Gauge({ name: 'kingly_running_job_rss_bytes', help: "Resident memory of a running job's whole process tree", labelNames: job, registers });
    this.#processes = new Gauge({ name: 'kingly_running_job_processes', help: "Processes in a running job's tree", labelNames: job, registers });
    this.#logLines = new Gauge({ name: 'kingly_running_job_log_lines_written', help: 'Log lines a running job has written so far', labelNames: job, registers });
    this.#cpuTotal = new Gauge({ name: 'kingly_running_cpu_percent', help: 'CPU use of all running jobs (100 = one core)', registers });
    this.#rssTotal = new Gauge({ name: 'kingly_running_rss_bytes', help: 'Resident memory of all running jobs', registers });
    this.#depth = new Gauge({ name: 'kingly_queue_depth', help: 'Jobs waiting to start, by queue', labelNames: ['queue'], registers });
    this.#workers = new Gauge({ name: 'kingly_workers', help: 'Workers by heartbeat (alive; dead: listed for an hour after their heartbeat expired)', labelNames: ['state'], registers });
    this.#linesTotal = new Counter({ name: 'kingly_log_lines_written_total', help: 'Log lines written by every job, on every worker (kept in Redis)', registers });
    this.#webhooks = new WebhookMetrics(this.registry);
    collectDefaultMetrics({ register: this.registry, prefix: 'kingly_api_' });
  }

  /** Reads the current figures and renders the Prometheus text. */
  async render(client: KinglyClient): Promise<string> {
    const [status, queues, redis] = await Promise.all([client.status(), knownQueues(client), client.redis()]);
    for (const state of JOB_STATES) this.#jobs.set({ state }, status.counts[state]);
    this.#running.set(status.running.length);
    this.#webhooks.update(status.webhooks);
    for (const gauge of [this.#cpu, this.#rss, this.#processes, this.#logLines, this.#depth]) gauge.reset();
    let cpu = 0;
    let rss = 0;
    const pipeline = redis.pipeline();
    for (const job of status.running) {
      const labels = { job_id: job.id, queue: job.queue };
      if (job.cpuPercent !== null) this.#cpu.set(labels, job.cpuPercent);
      if (job.rssBytes !== null) this.#rss.set(labels, job.rssBytes);
      if (job.processCount !== null) this.#processes.set(labels, job.processCount);
      cpu += job.cpuPercent ?? 0;
      rss += job.rssBytes ?? 0;
      pipeline.call('XINFO', 'STREAM', client.keys.logs(job.id));
    }
    this.#cpuTotal.set(cpu);
    this.#rssTotal.set(rss);
    const infos = (await pipeline.exec()) ?? [];
    status.running.forEach((job, i) => {
      const lines = linesWritten(infos[i]?.[1]);
      if (lines !== undefined) this.#logLines.set({ job_id: job.id, queue: job.queue }, lines);
    });
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

/** XINFO STREAM's `entries-added` (every line ever added, trimmed or not), else its length. */
function linesWritten(info: unknown): number | undefined {
  if (!Array.isArray(info)) return undefined;
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
  const value = fields.get('entries-added') ?? fields.get('length');
  return typeof value === 'number' ? value : undefined;
}
