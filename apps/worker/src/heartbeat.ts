import type { Redis } from 'ioredis';
import type { KinglyKeys, WorkerHeartbeat } from '@kingly/cmd';
import type { FailureLog } from './failure-log.js';

/** The heartbeat key lives this many intervals after the last beat. */
const TTL_INTERVALS = 3;
/**
 * A worker whose beats have failed for this many intervals stops taking jobs: half the key's
 * life, so it stops (checked every interval, so after two) a whole interval before a sibling
 * worker on its host may take it for dead and kill its jobs.
 */
const FAIL_AFTER_INTERVALS = TTL_INTERVALS / 2;

export interface HeartbeatOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  /** What the beat says about the worker; `intervalMs` is how often it is written. */
  readonly beat: Omit<WorkerHeartbeat, 'lastSeenAt' | 'running'>;
  /** How many jobs run now. */
  readonly runningCount: () => number;
  /** Where failed beats are reported. */
  readonly failures: FailureLog;
  /** No beat was written for half the key's life: the worker must stop taking jobs. @default nothing */
  readonly onFailing?: (lastBeatAt: number) => void;
  /** A beat was written again after onFailing. @default nothing */
  readonly onRecovered?: (lastBeatAt: number) => void;
}

/**
 * Keeps the worker's heartbeat key fresh (it expires three intervals after the last beat) and its
 * entry in the workers registry, which outlives it so a dead worker shows as dead. A sibling
 * worker on the host kills the jobs of a worker whose key expired, so failing beats are logged and
 * reported (onFailing) well before that.
 */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  readonly #key: string;
  readonly #registry: string;
  readonly #beat: WorkerHeartbeat;
  readonly #what: string;
  #timer: NodeJS.Timeout | undefined;
  #lastOkAt = Date.now();
  #inFlight = false;
  #failing = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#key = options.keys.worker(options.beat.id);
    this.#registry = options.keys.workers;
    this.#beat = { ...options.beat, running: 0, lastSeenAt: Date.now() };
    this.#what = `heartbeat of worker ${options.beat.id}`;
  }

  /** Beats have failed long enough that the worker must not take jobs. */
  /** The concurrency the next beats report (kingly concurrency changes it while the worker runs). */
  setConcurrency(concurrency: number): void {
    this.#beat.concurrency = concurrency;
  }

  get failing(): boolean {
    return this.#failing;
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => this.#tick(), this.#beat.intervalMs);
    this.#timer.unref();
  }

  /** Writes one beat; rejects when Redis refused any part of it. */
  async beat(): Promise<void> {
    this.#beat.lastSeenAt = Date.now();
    this.#beat.running = this.#o.runningCount();
    const ttlMs = this.#beat.intervalMs * TTL_INTERVALS;
    const json = JSON.stringify(this.#beat);
    const results = await this.#o.redis.multi().set(this.#key, json, 'PX', ttlMs).hset(this.#registry, this.#beat.id, json).exec();
    // EXEC reports a command's error (a key of the wrong type) in its results, not as a rejection.
    const error = results?.find(([e]) => e)?.[0];
    if (error) throw error;
    this.#lastOkAt = Date.now();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    // A worker that stops cleanly leaves no trace; only dead ones stay listed.
    await this.#o.redis.multi().del(this.#key).hdel(this.#registry, this.#beat.id).exec();
  }

  /**
   * A beat, unless the last one still waits for Redis (while Redis is away ioredis holds commands
   * for a long time: they would only pile up); then whether beats have failed for too long.
   */
  #tick(): void {
    if (!this.#inFlight) {
      this.#inFlight = true;
      this.beat().then(
        () => {
          this.#inFlight = false;
          this.#o.failures.worked(this.#what);
          if (this.#failing) {
            this.#failing = false;
            this.#o.onRecovered?.(this.#lastOkAt);
          }
        },
        (error: unknown) => {
          this.#inFlight = false;
          this.#o.failures.failed(this.#what, error);
        },
      );
    }
    if (!this.#failing && Date.now() - this.#lastOkAt > this.#beat.intervalMs * FAIL_AFTER_INTERVALS) {
      this.#failing = true;
      this.#o.onFailing?.(this.#lastOkAt);
    }
  }
}
