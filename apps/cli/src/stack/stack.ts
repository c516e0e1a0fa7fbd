import { existsSync, mkdirSync } from 'node:fs';
import type { KinglyConfig } from '@kingly/cmd';
import { checkPortFree } from './api-port.js';
import { apiSecretFiles, ensureApiToken, ensureSessionSecret, findApiToken, tokenFingerprint, type ApiToken, type TokenSource } from './api-token.js';
import { stopProcess } from './daemon.js';
import { withLock } from './lock.js';
import { stackPaths, type StackPaths } from './paths.js';
import { removeFile } from './pid-file.js';
import { clearRedisState, runningRedis, startRedis } from './start-redis.js';
import { clearApiState, runningApi, STACK_API_HOST, startApi, type RunningApi, type StartApiOptions } from './start-api.js';
import { runningWorker, startWorker } from './start-worker.js';

/**
 * The local stack: redis first, then the daemons that use it: the worker and, with `kingly up`,
 * the HTTP API (start-api.ts), started after the worker in upStack and stopped before it in downStack.
 */
export type StackPart = 'redis' | 'worker' | 'api';

/** How long the worker may take to stop: its own grace for running jobs (10s) and some. */
const WORKER_STOP_MS = 30_000;
const REDIS_STOP_MS = 15_000;
/** The API ends its event streams and closes connections within a second or so. */
const API_STOP_MS = 10_000;

/** The stack's HTTP API as `kingly up` reports it. */
export interface ApiReport {
  readonly pid: number;
  /** e.g. http://127.0.0.1:7077 */
  readonly url: string;
  readonly log: string;
  /** The bearer token it takes; left out when it runs with another token than this invocation has (see note). */
  readonly token?: string;
  /** Where its token came from: KINGLY_API_TOKEN, or the token file `kingly up` made. */
  readonly tokenSource: TokenSource;
  /** The token file, when the token is kept there (mode 0600). */
  readonly tokenFile?: string;
  /** Set when the API was running already with another port or token than this invocation asked for. */
  readonly note?: string;
}

export interface UpReport {
  readonly home: string;
  readonly redisUrl: string;
  /** What this call started; empty when everything was already running. */
  readonly started: StackPart[];
  readonly redis: { readonly pid: number; readonly dir: string; readonly log: string };
  readonly worker: { readonly pid: number; readonly queue: string; readonly prefix: string; readonly log: string };
  /** The HTTP API; undefined when it was not asked for (`--no-api`) and does not run. */
  readonly api?: ApiReport;
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
async function startMissing(paths: StackPaths, config: KinglyConfig, withWorker: boolean, withApi?: StartApiOptions) {
  mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
  return withLock(paths.lockFile, async () => {
    const started: StackPart[] = [];
    let redis = runningRedis(paths);
    let worker = runningWorker(paths);
    let api = runningApi(paths);
    // A taken port is said before anything is started.
    if (withApi && !api) await checkPortFree(STACK_API_HOST, withApi.port, withApi.howToChoosePort);
    if (!redis) {
      // A worker or API left from a redis that is gone would talk to nothing: start them anew.
      if (api) await stopProcess(api.pid, API_STOP_MS);
      api = undefined;
      clearApiState(paths);
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
    if (!api && withApi) {
      clearApiState(paths);
      api = await startApi(paths, redis.redisUrl, config, withApi);
      started.push('api');
    }
    return { redis, worker, api, started };
  });
}

export interface UpOptions {
  /**
   * Start the HTTP API on 127.0.0.1 at this port when it does not run (`howToChoosePort` ends the
   * error when the port is taken); false leaves it out. @default false
   */
  readonly api?: { readonly port: number; readonly howToChoosePort: string } | false;
}

/** `kingly up`: starts what is not running and says where everything is. */
export async function upStack(config: KinglyConfig, options: UpOptions = {}): Promise<UpReport> {
  const paths = stackPaths(config.home);
  const wanted = options.api || undefined;
  // KINGLY_API_TOKEN, else the token file (made when missing); its session key too, so a restart logs nobody out.
  const token = wanted ? ensureApiToken(paths.home) : findApiToken(paths.home);
  if (wanted) ensureSessionSecret(paths.home);
  const withApi = wanted && token ? { ...wanted, token } : undefined;
  const { redis, worker, api, started } = await startMissing(paths, config, true, withApi);
  return {
    home: paths.home,
    redisUrl: redis.redisUrl,
    started,
    redis: { pid: redis.pid, dir: paths.redisDir, log: paths.redisLog },
    worker: { pid: worker!.pid, queue: config.queue, prefix: config.prefix, log: paths.workerLog },
    ...(api ? { api: apiReport(paths, api, token, wanted?.port) } : {}),
  };
}

const describeSource = (source: TokenSource, home: string): string =>
  source === 'env' ? '$KINGLY_API_TOKEN' : apiSecretFiles(home).tokenFile;

/** What `kingly up` says of the API: where, and the token when it is the one the API takes. */
function apiReport(paths: StackPaths, api: RunningApi, token: ApiToken | undefined, askedPort: number | undefined): ApiReport {
  const matches = token !== undefined && tokenFingerprint(token.token) === api.tokenFingerprint;
  const notes: string[] = [];
  if (!matches) {
    notes.push(
      `it takes the token it was started with (from ${describeSource(api.tokenSource, paths.home)}), ` +
        (token ? `not the one from ${describeSource(token.source, paths.home)}` : 'and there is none now'),
    );
  }
  if (askedPort !== undefined && askedPort !== api.port) notes.push(`it listens on port ${api.port}, not ${askedPort}`);
  return {
    pid: api.pid,
    url: api.url,
    log: paths.apiLog,
    ...(matches ? { token: token.token } : {}),
    tokenSource: api.tokenSource,
    ...(api.tokenSource === 'file' ? { tokenFile: apiSecretFiles(paths.home).tokenFile } : {}),
    ...(notes.length > 0 ? { note: `the API was running already: ${notes.join('; ')}; 'kingly down' then 'kingly up' restarts it` } : {}),
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

/** `kingly down`: the API, then the worker (its jobs get its grace), then redis; leaves no process. */
export async function downStack(config: KinglyConfig): Promise<DownReport> {
  const paths = stackPaths(config.home);
  if (!existsSync(paths.runDir)) return { home: paths.home, stopped: [] };
  return withLock(paths.lockFile, async () => {
    const stopped: Array<{ name: StackPart; pid: number; forced: boolean }> = [];
    const api = runningApi(paths);
    if (api) stopped.push({ name: 'api', ...(await stopProcess(api.pid, API_STOP_MS)) });
    clearApiState(paths);
    const worker = runningWorker(paths);
    if (worker) stopped.push({ name: 'worker', ...(await stopProcess(worker.pid, WORKER_STOP_MS)) });
    removeFile(paths.workerPidFile);
    const redis = runningRedis(paths);
    if (redis) stopped.push({ name: 'redis', ...(await stopProcess(redis.pid, REDIS_STOP_MS)) });
    clearRedisState(paths);
    return { home: paths.home, stopped };
  });
}
