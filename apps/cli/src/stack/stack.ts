import { existsSync, mkdirSync } from 'node:fs';
import type { KinglyConfig } from '@kingly/cmd';
import { stopProcess } from './daemon.js';
import { withLock } from './lock.js';
import { stackPaths, type StackPaths } from './paths.js';
import { removeFile } from './pid-file.js';
import { clearRedisState, runningRedis, startRedis } from './start-redis.js';
import { runningWorker, startWorker } from './start-worker.js';

/**
 * The local stack: redis first, then the daemons that use it. Today that is the worker; the API
 * daemon (a later issue) joins as a third part with its own start-api.ts, pid file and log, started
 * after the worker in upStack and stopped before it in downStack.
 */
export type StackPart = 'redis' | 'worker';

/** How long the worker may take to stop: its own grace for running jobs (10s) and some. */
const WORKER_STOP_MS = 30_000;
const REDIS_STOP_MS = 15_000;

export interface UpReport {
  readonly home: string;
  readonly redisUrl: string;
  /** What this call started; empty when everything was already running. */
  readonly started: StackPart[];
  readonly redis: { readonly pid: number; readonly dir: string; readonly log: string };
  readonly worker: { readonly pid: number; readonly queue: string; readonly prefix: string; readonly log: string };
}

export interface DownReport {
  readonly home: string;
  /** What was stopped, in order; `forced` when SIGKILL was needed. Empty when nothing ran. */
  readonly stopped: Array<{ readonly name: StackPart; readonly pid: number; readonly forced: boolean }>;
}

/** The line a command prints on stderr after starting (part of) the stack for the user. */
export function describeStarted(started: readonly StackPart[], home: string): string {
  const what = started.length > 1 ? `stack (${started.join(' + ')})` : `stack's ${started[0]}`;
  return `started the local ${what} in ${home}`;
}

/** Starts whatever part of the stack is not running, under the lock. */
async function startMissing(paths: StackPaths, config: KinglyConfig, withWorker: boolean) {
  mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
  return withLock(paths.lockFile, async () => {
    const started: StackPart[] = [];
    let redis = runningRedis(paths);
    let worker = runningWorker(paths);
    if (!redis) {
      // A worker left from a redis that is gone would talk to nothing: start both anew.
      if (worker) await stopProcess(worker.pid, WORKER_STOP_MS);
      worker = undefined;
      clearRedisState(paths);
      redis = await startRedis(paths);
      started.push('redis');
    }
    if (!worker && withWorker) {
      removeFile(paths.workerPidFile);
      worker = await startWorker(paths, redis.redisUrl, config);
      started.push('worker');
    }
    return { redis, worker, started };
  });
}

/** `kingly up`: starts what is not running and says where everything is. */
export async function upStack(config: KinglyConfig): Promise<UpReport> {
  const paths = stackPaths(config.home);
  const { redis, worker, started } = await startMissing(paths, config, true);
  return {
    home: paths.home,
    redisUrl: redis.redisUrl,
    started,
    redis: { pid: redis.pid, dir: paths.redisDir, log: paths.redisLog },
    worker: { pid: worker!.pid, queue: config.queue, prefix: config.prefix, log: paths.workerLog },
  };
}

export interface EnsureOptions {
  /** Start the worker daemon too (every command but `kingly worker`). @default true */
  readonly withWorker?: boolean;
}

/** For commands that need Redis: the stack's URL, starting what is missing first. */
export async function ensureStack(config: KinglyConfig, options: EnsureOptions = {}): Promise<{ redisUrl: string; started: StackPart[] }> {
  const paths = stackPaths(config.home);
  const withWorker = options.withWorker ?? true;
  // Fast path, without the lock: everything already runs.
  const redis = runningRedis(paths);
  if (redis && (!withWorker || runningWorker(paths))) return { redisUrl: redis.redisUrl, started: [] };
  const result = await startMissing(paths, config, withWorker);
  return { redisUrl: result.redis.redisUrl, started: result.started };
}

/** `kingly down`: the worker first (its jobs get its grace), then redis; leaves no process. */
export async function downStack(config: KinglyConfig): Promise<DownReport> {
  const paths = stackPaths(config.home);
  if (!existsSync(paths.runDir)) return { home: paths.home, stopped: [] };
  return withLock(paths.lockFile, async () => {
    const stopped: Array<{ name: StackPart; pid: number; forced: boolean }> = [];
    const worker = runningWorker(paths);
    if (worker) stopped.push({ name: 'worker', ...(await stopProcess(worker.pid, WORKER_STOP_MS)) });
    removeFile(paths.workerPidFile);
    const redis = runningRedis(paths);
    if (redis) stopped.push({ name: 'redis', ...(await stopProcess(redis.pid, REDIS_STOP_MS)) });
    clearRedisState(paths);
    return { home: paths.home, stopped };
  });
}
