import { QueueEvents } from 'bullmq';
import { newRedis, type KinglyClient } from '@kingly/cmd';
import { Feed } from './feed.js';
import { knownQueues } from './known-queues.js';

/** A running job's latest process figures, as its worker's sampler reports them. */
export interface Sample {
  readonly jobId: string;
  readonly queue: string;
  readonly pid?: number;
  readonly cpuPercent?: number;
  readonly rssBytes?: number;
  readonly peakRssBytes?: number;
  readonly processCount?: number;
  readonly cpuSeconds?: number;
  /** When the API received it, ms since the epoch. */
  readonly at: number;
}

export interface SampleFeedOptions {
  /** Finds the queues and the key prefix. @default none (required) */
  readonly client: KinglyClient;
  /** Where the QueueEvents readers connect. @default none (required) */
  readonly redisUrl: string;
}

/** How often queues that appeared since the start are picked up, ms. */
const RESCAN_MS = 5000;

const NUMBER_FIELDS = ['pid', 'cpuPercent', 'rssBytes', 'peakRssBytes', 'processCount', 'cpuSeconds'] as const;

/**
 * Hears every sample workers write as BullMQ job progress (one QueueEvents reader per queue, only
 * while someone listens) and hands it on. Nothing is polled per job.
 */
export class SampleFeed extends Feed<Sample> {
  readonly #o: SampleFeedOptions;
  readonly #readers = new Map<string, { reader: QueueEvents; connection: ReturnType<typeof newRedis> }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SampleFeedOptions) {
    super();
    this.#o = options;
  }

  protected async start(): Promise<void> {
    await this.#scan();
    this.#timer = setInterval(() => {
      this.#scan().catch(() => {
        /* Redis is away: the queues known so far keep their readers, and the next scan retries */
      });
    }, RESCAN_MS);
    this.#timer.unref();
  }

  protected async stop(): Promise<void> {
    clearInterval(this.#timer);
    const readers = [...this.#readers.values()];
    this.#readers.clear();
    await Promise.all(
      readers.map(async ({ reader, connection }) => {
        await reader.close().catch(() => {
          /* closing: a reader whose connection is already gone has nothing left to close */
        });
        connection.disconnect();
      }),
    );
  }

  async #scan(): Promise<void> {
    for (const queue of await knownQueues(this.#o.client)) {
      if (this.#readers.has(queue)) continue;
      // The reader blocks its connection: one of its own (a Cluster on a cluster URL), closed with it.
      const connection = newRedis(this.#o.redisUrl, { maxRetriesPerRequest: null });
      const reader = new QueueEvents(queue, { connection, prefix: this.#o.client.keys.prefix });
      reader.on('error', () => {
        /* connection errors: BullMQ reconnects, and the page shows figures again once it has */
      });
      reader.on('progress', ({ jobId, data }) => {
        if (typeof data !== 'object' || data === null) return;
        const figures: Record<string, number> = {};
        for (const field of NUMBER_FIELDS) {
          const value = (data as Record<string, unknown>)[field];
          if (typeof value === 'number' && Number.isFinite(value)) figures[field] = value;
        }
        this.emit({ jobId, queue, ...figures, at: Date.now() });
      });
      this.#readers.set(queue, { reader, connection });
      await reader.waitUntilReady();
    }
  }
}
