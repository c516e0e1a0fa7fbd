import { availableParallelism, homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_ACCOUNTING, type AccountingKind } from './accounting/index.js';
import { randomBytes } from 'node:crypto';
import { DEFAULT_RETENTION, type RetentionPolicy } from '@kingly/cmd';
import { ErrorCodes, KinglyError } from '@kingly/cmd';
import { DEFAULT_MAX_SAMPLES, DEFAULT_QUEUE, resolvePrefix } from '@kingly/cmd';

/** Heartbeat interval when none is given: dead workers are found within about 10 s (TTL 6 s + a reap pass). */
export const DEFAULT_HEARTBEAT_MS = 2000;

/**
 * On SIGTERM/SIGINT, how long running jobs may go on before they are killed, when `--grace` is not
 * given. Supervisors must wait longer before their SIGKILL (compose `stop_grace_period`, PM2
 * `kill_timeout`).
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** How a worker runs. Every field but redisUrl has a default. */
export interface WorkerOptions {
  /** Redis URL (`redis://…`, `rediss://…`, `unix:///path`). */
  readonly redisUrl: string;
  /** Queue to take jobs from. @default "commands" */
  readonly queue?: string;
  /** Prefix of every Redis key; on a Redis Cluster it must hold a hash tag (`{kingly}`). @default "kingly" ("{kingly}" on a cluster URL) */
  readonly prefix?: string;
  /** Jobs run at once. @default the number of CPU cores */
  readonly concurrency?: number;
  /** On shutdown, how long running jobs may go on before their process groups are killed. @default 10000 */
  readonly shutdownGraceMs?: number;
  /**
   * Heartbeat interval, ms: one MULTI (SET PX + HSET) per worker per interval. @default 2000
   */
  readonly heartbeatMs?: number;
  /**
   * How long the heartbeat key lives after a beat, ms (at least twice heartbeatMs). When it has
   * expired, any worker ends this one's jobs `worker-lost` (within reapIntervalMs more), and this
   * worker, if it is alive but cut off from Redis, kills them itself. Shorter finds dead workers
   * sooner; longer rides out longer Redis or network stalls without ending running jobs.
   * @default 3 × heartbeatMs (6000)
   */
  readonly heartbeatTtlMs?: number;
  /** Lines kept per job log (MAXLEN ~); a system line says when output was cut. @default 100000 */
  readonly maxLogLines?: number;
  /**
   * Bytes of output kept per job log (UTF-8 line text, about: whole stream nodes are trimmed); a
   * system line says when output was cut. @default 67108864 (64 MiB)
   */
  readonly maxLogBytes?: number;
  /** How often every running job's process tree is measured, ms (at least 100). @default 1000 */
  readonly sampleIntervalMs?: number;
  /**
   * Points of a job's resource history kept at most (10–10000); past it, neighbours merge and the
   * resolution halves, so a long job keeps its whole run at a coarser grain. @default 1000
   */
  readonly maxSamplesPerJob?: number;
  /** How often dead workers' jobs are looked for, ms (a SCAN of running entries per pass). @default heartbeatMs */
  readonly reapIntervalMs?: number;
  /**
   * How long a job's BullMQ lock lasts without renewal; a dead worker's job is seen stalled within
   * about 1.5× this (then retried when it has attempts left). @default 20000
   */
  readonly lockDurationMs?: number;
  /** How processes are read: "proc" (Linux's /proc) or "ps" (portable, as on macOS); one choice per process. @default "proc" on Linux, "ps" elsewhere */
  readonly accounting?: AccountingKind;
  /**
   * How long finished jobs are kept: every worker prunes older ones and those beyond maxJobs (one
   * pass per retentionIntervalMs over all workers), and their records expire after maxAge.
   * @default DEFAULT_RETENTION (config `retention`: 7 days, 10,000 jobs)
   */
  readonly retention?: RetentionPolicy;
  /** How often the retention policy is applied, ms (one worker at a time). @default 60000 */
  readonly retentionIntervalMs?: number;
  /** This worker's id. @default `<host>-<pid>-<random>` */
  readonly workerId?: string;
  /**
   * This worker's host, as job records and heartbeats name it; the worker also takes the jobs sent to
   * this host's queue (`<queue>@<host>`). Workers on one machine should share it. @default $KINGLY_HOST or os.hostname()
   */
  readonly host?: string;
  /** KINGLY_HOME: job worktrees go under `<home>/worktrees`, repository mirrors under `<home>/mirrors`. @default $KINGLY_HOME or "~/.kingly" */
  readonly home?: string;
  /** Where the worker's own messages go (reaped jobs and the like). @default nowhere */
  readonly log?: (line: string) => void;
}

export type ResolvedWorkerOptions = Required<WorkerOptions>;

export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const host = options.host ?? (process.env.KINGLY_HOST || hostname());
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const heartbeatTtlMs = options.heartbeatTtlMs ?? heartbeatMs * 3;
  // A key that may expire between two beats would make a live worker look dead.
  if (heartbeatTtlMs < heartbeatMs * 2) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `heartbeat TTL must be at least twice the heartbeat interval (${heartbeatMs}ms), got ${heartbeatTtlMs}ms`);
  }
  return {
    redisUrl: options.redisUrl,
    queue: options.queue ?? DEFAULT_QUEUE,
    prefix: resolvePrefix(options.redisUrl, options.prefix),
    concurrency: options.concurrency ?? availableParallelism(),
    shutdownGraceMs: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
    heartbeatMs,
    heartbeatTtlMs,
    maxLogLines: options.maxLogLines ?? 100_000,
    maxLogBytes: options.maxLogBytes ?? 64 * 1024 * 1024,
    sampleIntervalMs: Math.max(100, options.sampleIntervalMs ?? 1000),
    maxSamplesPerJob: Math.min(10_000, Math.max(10, Math.floor(options.maxSamplesPerJob ?? DEFAULT_MAX_SAMPLES))),
    reapIntervalMs: options.reapIntervalMs ?? heartbeatMs,
    lockDurationMs: options.lockDurationMs ?? 20_000,
    accounting: options.accounting ?? DEFAULT_ACCOUNTING,
    retention: options.retention ?? DEFAULT_RETENTION,
    retentionIntervalMs: options.retentionIntervalMs ?? 60_000,
    workerId: options.workerId ?? `${host}-${process.pid}-${randomBytes(3).toString('hex')}`,
    host,
    home: resolve(options.home ?? (process.env.KINGLY_HOME || join(homedir(), '.kingly'))),
    log: options.log ?? (() => undefined),
  };
}
