import type { Redis } from 'ioredis';
import { TERMINAL_STATES, type JobState, type KinglyKeys } from '@kingly/cmd';
import { cleanupWorktrees, type CleanupReport } from './cleanup.js';

export interface WorktreeCleanupOptions {
  /** KINGLY_HOME whose worktrees are looked after. */
  readonly home: string;
  /** Where job records are read. */
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  /** How often to look again, ms. @default 60000 */
  readonly intervalMs?: number;
  /** What was removed or could not be. @default nowhere */
  readonly log?: (line: string) => void;
}

/** A running cleanup: one pass at start, then one per interval. */
export interface WorktreeCleanup {
  /** A pass now (after the one under way, if any). */
  runNow(): Promise<CleanupReport>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** Reads the job's `state` from its record hash: ended when terminal, not when running, queued or unknown. */
export const jobFinishedInRedis =
  (redis: Redis, keys: KinglyKeys) =>
  async (jobId: string): Promise<boolean> => {
    const state = await redis.hget(keys.job(jobId), 'state');
    return state !== null && TERMINAL_STATES.has(state as JobState);
  };

/**
 * Removes worktrees of ended jobs and of crashed workers now and every `intervalMs`
 * (see cleanupWorktrees). Errors go to the log; they never stop the worker.
 */
export function startWorktreeCleanup(options: WorktreeCleanupOptions): WorktreeCleanup {
  const log =
    options.log ??
    (() => {
      /* no log: nowhere to say it */
    });
  const isJobFinished = jobFinishedInRedis(options.redis, options.keys);
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const runNow = (): Promise<CleanupReport> => {
    const pass = chain.then(() => cleanupWorktrees({ home: options.home, isJobFinished, log }));
    chain = pass.catch((error: unknown) => log(`[kingly] worktree cleanup failed: ${(error as Error).message}`));
    return pass;
  };
  const timer = setInterval(() => {
    if (!stopped) {
      runNow().catch(() => {
        /* logged by the chain in runNow */
      });
    }
  }, options.intervalMs ?? 60_000);
  timer.unref();
  runNow().catch(() => {
    /* logged by the chain in runNow */
  });
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
    },
  };
}
