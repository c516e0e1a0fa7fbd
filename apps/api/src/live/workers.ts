import type { KinglyClient, WorkerInfo } from '@kingly/cmd';
import { Feed, type FeedListener } from './feed.js';

export interface WorkerFeedOptions {
  /** Reads the heartbeats. @default none (required) */
  readonly client: KinglyClient;
  /** How often heartbeats are read while someone listens, ms. @default 2000 */
  readonly intervalMs?: number;
}

/** The worker list, read once per interval for all listeners and passed on when it changes. */
export class WorkerFeed extends Feed<WorkerInfo[]> {
  readonly #o: WorkerFeedOptions;
  #timer: NodeJS.Timeout | undefined;
  #last: WorkerInfo[] | undefined;
  #signature = '';

  constructor(options: WorkerFeedOptions) {
    super();
    this.#o = options;
  }

  protected override greet(listener: FeedListener<WorkerInfo[]>): void {
    if (this.#last) listener(this.#last);
  }

  protected async start(): Promise<void> {
    // Redis away: the page keeps the last list it had, and the next read retries.
    await this.#read().catch(() => {
      /* see above */
    });
    this.#timer = setInterval(() => {
      this.#read().catch(() => {
        /* see above */
      });
    }, this.#o.intervalMs ?? 2000);
    this.#timer.unref();
  }

  protected async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#last = undefined;
    this.#signature = '';
  }

  async #read(): Promise<void> {
    const workers = await this.#o.client.listWorkers();
    // lastSeenAt changes on every beat; only what a person would notice counts as a change.
    const signature = JSON.stringify(workers.map((w) => [w.id, w.running, w.concurrency, w.alive]));
    if (signature === this.#signature) return;
    this.#signature = signature;
    this.#last = workers;
    this.emit(workers);
  }
}
