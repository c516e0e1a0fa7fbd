import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createKeys, type KinglyKeys } from '../keys.js';
import { DEFAULT_QUEUE } from '../defaults.js';
import { connectRedis, duplicateRedis } from '../redis.js';
import { resolvePrefix } from '../redis-url.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { JobData, JobSpec } from '../schemas/job-spec.js';
import type { LifecycleEvent } from '../schemas/lifecycle-event.js';
import type { LogEntry } from '../schemas/log-entry.js';
import type { ClientContext } from './context.js';
import { enqueueMany, validateQueueName, type EnqueueOptions } from './enqueue.js';
import { EventsHub } from './events-hub.js';
import { lastEventId, onComplete, readEvents, type CompleteListener, type OnCompleteOptions, type ReadEventsOptions } from './events.js';
import { followLogs, type FollowLogsOptions } from './follow-logs.js';
import { findJob, getJob, listJobs, type FindJobOptions, type ListJobsOptions } from './get-jobs.js';
import { waitForJobs, type WaitOptions } from './wait.js';
import { knownQueues } from './known-queues.js';
import { getSamples } from './samples.js';
import type { ResourceSample } from '../store/samples.js';
import { cancelJob, type CancelOptions, type CancelResult } from './cancel.js';
import { prune } from './prune.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from '../retention.js';
import type { PruneOptions, PruneResult } from '../store/prune.js';
import { listWorkers, status, type StatusReport, type WorkerInfo } from './workers.js';

export interface KinglyClientOptions {
  /** Redis URL: `redis://host:port`, `rediss://…`, `unix:///path/to.sock`, `redis+sentinel://…` or `redis+cluster://…`. */
  readonly redisUrl: string;
  /** Queue that `enqueue` uses. @default "commands" */
  readonly queue?: string;
  /** Prefix of every Redis key; on a Redis Cluster it must hold a hash tag (`{kingly}`). @default "kingly" ("{kingly}" on a cluster URL) */
  readonly prefix?: string;
  /** Fail with E_REDIS_UNREACHABLE when Redis has not answered within this many ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** How long finished jobs are kept: the removeOnComplete/removeOnFail given to BullMQ follow it. @default DEFAULT_RETENTION (7 days, 10,000 jobs) */
  readonly retention?: RetentionPolicy;
}

/** Idle blocking connections a client keeps for its next waits and log readers. */
const MAX_IDLE_BLOCKING = 4;

/** What enqueue and enqueueMany give for each job they add. */
export interface EnqueuedJob {
  /** The job's id: unique across queues, what getJob, waitForJob, followLogs and cancel take. */
  id: string;
}

/**
 * What programs use to run commands through kingly: enqueue, read, wait, follow logs and hear
 * about completions. Connects lazily; call `close()` when done.
 */
export class KinglyClient {
  readonly keys: KinglyKeys;
  readonly queueName: string;
  readonly #options: KinglyClientOptions;
  #redis: Promise<Redis> | undefined;
  readonly #queues = new Map<string, Queue<JobData>>();
  readonly #blocking = new Set<Redis>();
  /** Blocking connections whose readers ended, kept for the next reader (no connect per wait). */
  readonly #idleBlocking: Redis[] = [];
  /** The one events reader of this client; replaced on close() so a closed client can be used again. */
  #events: EventsHub;
  readonly #ctx: ClientContext;

  constructor(options: KinglyClientOptions) {
    this.#options = options;
    this.keys = createKeys(resolvePrefix(options.redisUrl, options.prefix));
    this.queueName = validateQueueName(options.queue ?? DEFAULT_QUEUE);
    this.#ctx = {
      keys: this.keys,
      defaultQueue: this.queueName,
      retention: options.retention ?? DEFAULT_RETENTION,
      redis: () => this.redis(),
      blockingRedis: () => this.#blockingRedis(),
      releaseBlockingRedis: (connection) => this.#releaseBlockingRedis(connection),
      events: () => this.#events,
      queue: async (name) => this.#queue(name),
      knownQueues: () => this.knownQueues(),
    };
    this.#events = this.#newEventsHub();
  }

  #newEventsHub(): EventsHub {
    return new EventsHub({
      keys: this.keys,
      redis: () => this.redis(),
      blockingRedis: () => this.#blockingRedis(),
      releaseBlockingRedis: (connection) => this.#releaseBlockingRedis(connection),
    });
  }

  /** The shared command connection (for code that builds on the client, such as the API). */
  redis(): Promise<Redis> {
    this.#redis ??= connectRedis(this.#options.redisUrl, { connectTimeoutMs: this.#options.connectTimeoutMs });
    // A failed connect is not cached: the next call tries again.
    this.#redis.catch(() => {
      this.#redis = undefined;
    });
    return this.#redis;
  }

  async #blockingRedis(): Promise<Redis> {
    for (let idle = this.#idleBlocking.pop(); idle; idle = this.#idleBlocking.pop()) {
      if (idle.status === 'ready') return idle;
      idle.disconnect();
    }
    const base = await this.redis();
    const conn = duplicateRedis(base, { maxRetriesPerRequest: null, lazyConnect: false });
    conn.on('error', () => {
      /* reported through the failed command; ioredis reconnects */
    });
    this.#blocking.add(conn);
    conn.once('end', () => this.#blocking.delete(conn));
    return conn;
  }

  #releaseBlockingRedis(connection: Redis): void {
    if (connection.status === 'ready' && this.#blocking.has(connection) && this.#idleBlocking.length < MAX_IDLE_BLOCKING) {
      this.#idleBlocking.push(connection);
    } else {
      connection.disconnect();
    }
  }

  async #queue(name: string): Promise<Queue<JobData>> {
    const known = this.#queues.get(name);
    if (known) return known;
    // Loaded on first use: reads such as status never need BullMQ, and it is the heaviest import.
    const [connection, { Queue }] = await Promise.all([this.redis(), import('./bull-queue.js')]);
    // Another caller may have opened it meanwhile.
    const opened = this.#queues.get(name);
    if (opened) return opened;
    const queue = new Queue<JobData>(name, { connection, prefix: this.keys.prefix });
    queue.on('error', () => {
      /* reported through the failed call; ioredis reconnects */
    });
    this.#queues.set(name, queue);
    return queue;
  }

  /** Every queue that has had a job, this client's default queue first. */
  async knownQueues(): Promise<string[]> {
    return knownQueues(await this.redis(), this.keys, this.queueName);
  }

  /** A BullMQ Queue on the same connection (for Bull Board and admin tools). */
  queue(name: string = this.queueName): Promise<Queue<JobData>> {
    return this.#queue(validateQueueName(name));
  }

  /** Enqueues one command; the spec is validated here and again in the worker. */
  async enqueue(spec: JobSpec, options?: EnqueueOptions): Promise<EnqueuedJob> {
    const [job] = await this.enqueueMany([spec], options);
    return job!;
  }

  /** Enqueues many commands (BullMQ addBulk in chunks, order kept); one EnqueuedJob per spec, in order, as enqueue gives. */
  async enqueueMany(specs: readonly JobSpec[], options?: EnqueueOptions): Promise<EnqueuedJob[]> {
    return (await enqueueMany(this.#ctx, specs, options)).map((id) => ({ id }));
  }

  /**
   * The job's record; throws E_JOB_NOT_FOUND, or E_AMBIGUOUS_JOB for a bare plain-BullMQ id on
   * several queues without `options.queue`.
   */
  getJob(id: string, options?: FindJobOptions): Promise<JobRecord> {
    return getJob(this.#ctx, id, options);
  }

  /** The job's record, or undefined (E_AMBIGUOUS_JOB as getJob). */
  findJob(id: string, options?: FindJobOptions): Promise<JobRecord | undefined> {
    return findJob(this.#ctx, id, options);
  }

  /** The job's resource history (CPU %, RSS, process count), oldest first; throws E_JOB_NOT_FOUND. */
  getSamples(id: string): Promise<ResourceSample[]> {
    return getSamples(this.#ctx, id);
  }

  /** Jobs, newest first. */
  listJobs(options?: ListJobsOptions): Promise<JobRecord[]> {
    return listJobs(this.#ctx, options);
  }

  /** Resolves with the record once the job is terminal (any outcome, not only success). */
  async waitForJob(id: string, options?: WaitOptions): Promise<JobRecord> {
    const [record] = await waitForJobs(this.#ctx, [id], options);
    return record!;
  }

  /** Resolves with every record once all the jobs are terminal. */
  waitForJobs(ids: readonly string[], options?: WaitOptions): Promise<JobRecord[]> {
    return waitForJobs(this.#ctx, ids, options);
  }

  /** The job's output lines; follows live until the log ends unless `follow: false`. */
  followLogs(id: string, options?: FollowLogsOptions): AsyncGenerator<LogEntry> {
    return followLogs(this.#ctx, id, options);
  }

  /** Lifecycle events from `since`. */
  events(options?: ReadEventsOptions): AsyncGenerator<LifecycleEvent> {
    return readEvents(this.#ctx, options);
  }

  /** The id of the newest lifecycle event now ('0' when there is none), so a reader starts exactly there. */
  newestEventId(): Promise<string> {
    return lastEventId(this.#ctx);
  }

  /** Calls the listener on every terminal transition; returns a function that stops it. */
  onComplete(listener: CompleteListener, options?: OnCompleteOptions): () => void {
    return onComplete(this.#ctx, listener, options);
  }

  /**
   * Cancels a job from any machine: removes it when queued, kills its whole process tree when
   * running (signal, then SIGKILL after the grace period). Resolves once it has ended.
   */
  cancel(id: string, options?: CancelOptions): Promise<CancelResult> {
    return cancelJob(this.#ctx, id, options);
  }

  /**
   * Deletes finished jobs (record, log, index entries and BullMQ's job) chosen by age, state,
   * per-name floor and overall cap; never a queued or running one. `dryRun` counts only.
   */
  prune(options?: PruneOptions): Promise<PruneResult> {
    return prune(this.#ctx, options);
  }

  listWorkers(): Promise<WorkerInfo[]> {
    return listWorkers(this.#ctx);
  }

  status(): Promise<StatusReport> {
    return status(this.#ctx);
  }

  /** Ends pending waits and followers with E_CLIENT_CLOSED, then closes every connection. */
  async close(): Promise<void> {
    this.#events.close();
    this.#events = this.#newEventsHub();
    await Promise.all(
      [...this.#queues.values()].map((q) =>
        q.close().catch(() => {
          /* closing: a queue whose connection is gone has nothing left to close */
        }),
      ),
    );
    this.#queues.clear();
    this.#idleBlocking.length = 0;
    for (const conn of this.#blocking) conn.disconnect();
    const redis = this.#redis;
    this.#redis = undefined;
    if (redis) {
      await redis
        .then((r) => r.quit().catch(() => r.disconnect()))
        .catch(() => {
          /* it never connected: nothing to close */
        });
    }
  }
}
