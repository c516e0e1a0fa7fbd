import { createHash } from 'node:crypto';
import { STACK_ENV, type StackPaths } from './paths.js';

/**
 * The local stack: redis first, then the daemons that use it: the worker and, with `kingly up`,
 * the HTTP API, started after the worker and stopped before it.
 */
export type StackPart = 'redis' | 'worker' | 'api';

export const STACK_PARTS: readonly StackPart[] = ['redis', 'worker', 'api'];

/** One PM2 app of the stack, in PM2's own ecosystem terms. */
export interface AppSpec {
  readonly name: string;
  /** The program, run as it is (`interpreter: 'none'`): redis-server, or node with the kingly bin. */
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly interpreter: 'none';
  /** stdout and stderr both go to the part's log file under KINGLY_HOME/logs. */
  readonly out_file: string;
  readonly error_file: string;
  /** Crash restarts wait 100 ms, then 150, 225… up to 15 s; the delay resets once the app stays up 30 s. */
  readonly exp_backoff_restart_delay: number;
  /** SIGINT, then SIGKILL after this many ms (the worker's is its jobs' grace and some). */
  readonly kill_timeout: number;
  /** Signals only the app, never its children: the worker stops its jobs itself, within its grace. */
  readonly treekill: false;
  readonly namespace: string;
  readonly autorestart: true;
  /** No git metadata scan of the working directory. */
  readonly vizion: false;
  /** One log file per app, whatever PM2 instance number it gets. */
  readonly merge_logs: true;
}

/** PM2's namespace for every kingly app (`pm2 ls` groups them). */
export const PM2_NAMESPACE = 'kingly';

/**
 * The PM2 app name of a part: `kingly-redis` in the stack's own PM2 home; with a PM2 home shared
 * with other apps (`--pm2-home`) a suffix from KINGLY_HOME, so two homes, or the user's own
 * `kingly-*` apps, never meet.
 */
export function appName(part: StackPart, paths: StackPaths, pm2Home: string): string {
  if (pm2Home === paths.privatePm2Home) return `kingly-${part}`;
  return `kingly-${part}-${createHash('sha256').update(paths.home).digest('hex').slice(0, 8)}`;
}

const STOP_MS: Record<StackPart, number> = {
  redis: 15_000,
  // The worker's own grace for running jobs (10 s) and some.
  worker: 30_000,
  api: 10_000,
};

const LOG: Record<StackPart, keyof StackPaths> = { redis: 'redisLog', worker: 'workerLog', api: 'apiLog' };

export interface AppOptions {
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the app's environment (besides the stack marker). @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

/** The PM2 app of one part of the stack. */
export function appSpec(part: StackPart, paths: StackPaths, pm2Home: string, options: AppOptions): AppSpec {
  const log = paths[LOG[part]];
  return {
    name: appName(part, paths, pm2Home),
    script: options.script,
    args: options.args,
    cwd: options.cwd,
    env: { ...options.env, [STACK_ENV]: paths.home },
    interpreter: 'none',
    out_file: log,
    error_file: log,
    exp_backoff_restart_delay: 100,
    kill_timeout: STOP_MS[part],
    treekill: false,
    namespace: PM2_NAMESPACE,
    autorestart: true,
    vizion: false,
    merge_logs: true,
  };
}
