import { Counter, Histogram, type Registry } from 'prom-client';
import type { KinglyClient } from '@kingly/cmd';

const MiB = 1024 * 1024;
/** Seconds: a quick check to a long build. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600];
/** Bytes: 16 MiB to 16 GiB. */
const RSS_BUCKETS = [16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384].map((m) => m * MiB);
/** Events read per scrape at most: a scrape stays short after a burst (the rest comes next time). */
const MAX_EVENTS_PER_SCRAPE = 50_000;

/**
 * Finished jobs, from the `finished` events written since this API's first scrape: counters and
 * histograms of duration and peak RSS by queue and terminal state, and a counter by worker while
 * it is listed. No label names a job, so their number is fixed by queues × states (and live
 * workers), never by how many jobs ran. Like any Prometheus counter, they start at 0 with the process.
 */
export class FinishedJobMetrics {
  readonly #finished: Counter;
  readonly #duration: Histogram;
  readonly #peakRss: Histogram;
  readonly #byWorker: Counter;
  /** The last event read; undefined until the first scrape, which starts at the newest. */
  #last: string | undefined;
  /** The update under way: scrapes at once take turns, so no event is counted twice. */
  #turn: Promise<void> = Promise.resolve();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['queue', 'state'];
    this.#finished = new Counter({ name: 'kingly_jobs_finished_total', help: 'Jobs that ended, by queue and terminal state', labelNames, registers });
    this.#duration = new Histogram({ name: 'kingly_job_duration_seconds', help: 'Run time of finished jobs, by queue and terminal state', labelNames, buckets: DURATION_BUCKETS, registers });
    this.#peakRss = new Histogram({ name: 'kingly_job_peak_rss_bytes', help: "Peak resident memory of finished jobs' process trees, by queue and terminal state", labelNames, buckets: RSS_BUCKETS, registers });
    this.#byWorker = new Counter({ name: 'kingly_worker_jobs_finished_total', help: 'Jobs that ended on a worker, while it is listed (kingly_workers)', labelNames: ['worker'], registers });
  }

  /** Counts the events written since the last call; forgets the series of workers no longer listed. */
  update(client: KinglyClient, workerIds: ReadonlySet<string>): Promise<void> {
    const next = this.#turn.then(() => this.#read(client, workerIds));
    // The next scrape goes on after a failed one (this one reports its own failure).
    this.#turn = next.catch(() => undefined);
    return next;
  }

  async #read(client: KinglyClient, workerIds: ReadonlySet<string>): Promise<void> {
    if (this.#last === undefined) {
      this.#last = await client.newestEventId();
      return;
    }
    let read = 0;
    for await (const event of client.events({ since: this.#last, follow: false })) {
      this.#last = event.id;
      if (event.type === 'finished') {
        const labels = { queue: event.queue, state: event.state };
        this.#finished.inc(labels);
        if (event.durationMs !== null) this.#duration.observe(labels, event.durationMs / 1000);
        if (event.peakRssBytes !== null) this.#peakRss.observe(labels, event.peakRssBytes);
        const worker = event.record?.workerId;
        if (worker && workerIds.has(worker)) this.#byWorker.inc({ worker });
      }
      if (++read >= MAX_EVENTS_PER_SCRAPE) break;
    }
    for (const { labels } of (await this.#byWorker.get()).values) {
      if (typeof labels.worker === 'string' && !workerIds.has(labels.worker)) this.#byWorker.remove(labels);
    }
  }
}
