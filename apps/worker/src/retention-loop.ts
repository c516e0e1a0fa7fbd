import type { Redis } from 'ioredis';
import type { KinglyClient, KinglyKeys, PruneResult, RetentionPolicy } from '@kingly/cmd';
import type { FailureLog } from './failure-log.js';

export interface RetentionLoopOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  /** Prunes through the JobStore and removes BullMQ's part (client.prune). */
  readonly client: KinglyClient;
  readonly workerId: string;
  readonly policy: RetentionPolicy;
  /** A pass at most this often over all workers together, ms. */
  readonly intervalMs: number;
  readonly failures: FailureLog;
  /** Where a pass that pruned something says so. */
  readonly log: (line: string) => void;
}

/**
 * Applies the retention policy (prune finished jobs older than maxAge and beyond the newest
 * maxJobs) every interval. Every worker runs the loop; the lock (SET NX PX for one interval, never
 * released) gives one pass per interval to whichever worker comes first. A pass that overlaps
 * another anyway (a long one) is harmless: the prune deletes each job once and holds the cap in
 * its delete script.
 */
export class RetentionLoop {
  readonly #o: RetentionLoopOptions;
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<PruneResult | undefined> | undefined;

  constructor(options: RetentionLoopOptions) {
    this.#o = options;
  }

  /** A first pass now (in the background), then one per interval. */
  start(): void {
    const what = `retention pass of worker ${this.#o.workerId}`;
    const tick = (): void => {
      // A pass still under way (longer than the interval): this tick has nothing to add.
      if (this.#busy) return;
      this.runOnce().then(
        (result) => {
          this.#o.failures.worked(what);
          if (result && result.pruned > 0) this.#o.log(`kingly worker: retention pruned ${result.pruned} finished job(s)`);
        },
        (error: unknown) => this.#o.failures.failed(what, error),
      );
    };
    tick();
    this.#timer = setInterval(tick, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the loop; a pass under way stops after its batch. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort();
    await this.#busy?.catch(() => {
      /* reported by the tick that started it */
    });
  }

  /** One pass if it is this worker's turn; undefined when another worker had it this interval. */
  runOnce(): Promise<PruneResult | undefined> {
    this.#busy ??= this.#pass().finally(() => {
      this.#busy = undefined;
    });
    return this.#busy;
  }

  async #pass(): Promise<PruneResult | undefined> {
    const { redis, keys, client, workerId, policy, intervalMs } = this.#o;
    if (this.#stop.signal.aborted) return undefined;
    if ((await redis.set(keys.pruneLock, workerId, 'PX', intervalMs, 'NX')) !== 'OK') return undefined;
    return client.prune({ olderThanMs: policy.maxAgeMs, maxJobs: policy.maxJobs, signal: this.#stop.signal });
  }
}
