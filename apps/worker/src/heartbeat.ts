import type { Redis } from 'ioredis';
import type { KinglyKeys, WorkerHeartbeat } from '@kingly/cmd';
import type { FailureLog } from './failure-log.js';

/**
 * A worker whose beats have failed for this share of the key's life stops taking jobs, well
 * before any other worker may take it for dead.
 */
const FAIL_AFTER_TTL_SHARE = 0.5;

export interface HeartbeatOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  /** What the beat says about the worker; `intervalMs` is how often it is written. */
  readonly beat: Omit<WorkerHeartbeat, 'lastSeenAt' | 'running' | 'jobs'>;
  /** How long the key lives after a beat: once it is gone, any worker ends this one's jobs `worker-lost`. */
  readonly ttlMs: number;
  /** How many jobs run now. */
  readonly runningCount: () => number;
  /** Ids of the jobs the worker holds now (taken, terminal write not yet done). @default none published */
  readonly heldJobs?: () => readonly string[];
  /** Where failed beats are reported. */
  readonly failures: FailureLog;
  /** No beat was written for half the key's life: the worker must stop taking jobs. @default nothing */
  readonly onFailing?: (lastBeatAt: number) => void;
  /** A beat was written again after onFailing. @default nothing */
  readonly onRecovered?: (lastBeatAt: number) => void;
  /**
   * No beat was written for the key's whole life: it has surely expired (it was set no later than
   * the last reply came), so other workers take this one for dead. Called once per outage.
   * @default nothing
   */
  readonly onExpired?: (lastBeatAt: number) => void;
}

/**
 * Keeps the worker's heartbeat key fresh (it expires `ttlMs` after the last beat) and its
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
  #expired = false;

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
    if (this.#o.heldJobs) this.#beat.jobs = [...this.#o.heldJobs()];
    const ttlMs = this.#o.ttlMs;
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
            this.#expired = false;
            this.#o.onRecovered?.(this.#lastOkAt);
          }
        },
        (error: unknown) => {
          this.#inFlight = false;
          this.#o.failures.failed(this.#what, error);
        },
      );
    }
    const silentMs = Date.now() - this.#lastOkAt;
    if (!this.#failing && silentMs > this.#o.ttlMs * FAIL_AFTER_TTL_SHARE) {
      this.#failing = true;
      this.#o.onFailing?.(this.#lastOkAt);
    }
    if (this.#failing && !this.#expired && silentMs >= this.#o.ttlMs) {
      this.#expired = true;
      this.#o.onExpired?.(this.#lastOkAt);
    }
  }
}
