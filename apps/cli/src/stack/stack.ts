import { existsSync } from 'node:fs';
import type { KinglyConfig } from '@kingly/cmd/lite';
import { ensureApiToken, ensureSessionSecret, findApiToken } from './api-token.js';
import { appName, type StackPart } from './apps.js';
import { apiReport, type ApiReport } from './api-report.js';
import { stackPaths } from './paths.js';
import { stopLeftovers } from './leftovers.js';
import { daemonPid, daemonRuns, withPm2 } from './pm2.js';
import { isUp, partsIn, startMissing, type StackOptions } from './start-stack.js';
import { clearState, readState } from './state.js';
import { withStackLock } from './stack-lock.js';

export type { StackPart } from './apps.js';
export type { StackOptions } from './start-stack.js';

export interface UpReport {
  readonly home: string;
  /** PM2_HOME of the daemon that runs the stack. */
  readonly pm2Home: string;
  readonly redisUrl: string;
  /** What this call started; empty when everything was already running. */
  readonly started: StackPart[];
  readonly redis: { readonly pid: number; readonly app: string; readonly dir: string; readonly log: string };
  readonly worker: { readonly pid: number; readonly app: string; readonly queue: string; readonly prefix: string; readonly log: string };
  /** The HTTP API; undefined when it was not asked for (`--no-api`) and does not run. */
  readonly api?: ApiReport;
}

export interface DownReport {
  readonly home: string;
  /** What was stopped, in order. Empty when nothing ran. */
  readonly stopped: Array<{ readonly name: StackPart; readonly app: string; readonly pid: number }>;
  /** True when the stack's own PM2 daemon was stopped too (not when the stack joined another PM2 home). */
  readonly daemonStopped: boolean;
  /** Pids of the stack's processes that no PM2 daemon supervised any more (it was killed), stopped too. */
  readonly leftovers: number[];
}

/** The line a command prints on stderr after starting (part of) the stack for the user. */
export function describeStarted(started: readonly StackPart[], home: string): string {
  const what = started.length > 1 ? `stack (${started.join(' + ')})` : `stack's ${started[0]}`;
  return `started the local ${what} in ${home}`;
}

export interface UpOptions extends StackOptions {
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
  const { pm2Home, redisUrl, started, processes, state } = await startMissing(paths, { ...options, config, withWorker: true, ...(withApi ? { withApi } : {}) });
  const pid = (part: StackPart): number => processes.get(part)?.pid ?? 0;
  const api = processes.get('api');
  return {
    home: paths.home,
    pm2Home,
    redisUrl,
    started,
    redis: { pid: pid('redis'), app: appName('redis', paths, pm2Home), dir: paths.redisDir, log: paths.redisLog },
    worker: { pid: pid('worker'), app: appName('worker', paths, pm2Home), queue: config.queue, prefix: config.prefix, log: paths.workerLog },
    ...(isUp(api) && state.api ? { api: apiReport(paths, { ...state.api, pid: api.pid, app: api.name }, token, wanted?.port) } : {}),
  };
}

export interface EnsureOptions extends StackOptions {
  /** Start the worker daemon too (every command but `kingly worker`). @default true */
  readonly withWorker?: boolean;
}

/** For commands that need Redis: the stack's URL, starting what is missing first. */
export async function ensureStack(config: KinglyConfig, options: EnsureOptions = {}): Promise<{ redisUrl: string; started: StackPart[] }> {
  const paths = stackPaths(config.home);
  const withWorker = options.withWorker ?? true;
  // Fast path, without the lock and without loading PM2: the stack was started and its daemon runs (it restarts what crashes).
  const state = readState(paths);
  if (state && (!withWorker || state.worker === true) && (await daemonRuns(state.pm2Home))) return { redisUrl: state.redisUrl, started: [] };
  const result = await startMissing(paths, { ...options, config, withWorker });
  return { redisUrl: result.redisUrl, started: result.started };
}

/** `kingly down`: the API, then the worker (its jobs get its grace), then redis, then a private PM2 daemon; leaves no process. */
export async function downStack(config: KinglyConfig): Promise<DownReport> {
  const paths = stackPaths(config.home);
  if (!existsSync(paths.runDir)) return { home: paths.home, stopped: [], daemonStopped: false, leftovers: [] };
  return withStackLock(paths, async () => {
    const pm2Home = readState(paths)?.pm2Home ?? paths.privatePm2Home;
    const stopped: Array<{ name: StackPart; app: string; pid: number }> = [];
    let daemonStopped = false;
    // Never start a daemon only to stop it.
    if (await daemonRuns(pm2Home)) {
      await withPm2(pm2Home, {}, async (pm2) => {
        const running = partsIn(await pm2.list(), paths, pm2Home);
        for (const part of ['api', 'worker', 'redis'] as const) {
          const proc = running.get(part);
          if (proc === undefined) continue;
          await pm2.remove(proc.name);
          if (proc.pid > 0) stopped.push({ name: part, app: proc.name, pid: proc.pid });
        }
        if (pm2Home === paths.privatePm2Home) {
          await pm2.killDaemon();
          daemonStopped = true;
        }
      });
    }
    const leftovers = await stopLeftovers(paths, pm2Home === paths.privatePm2Home ? [] : [daemonPid(pm2Home) ?? 0]);
    clearState(paths);
    return { home: paths.home, stopped, daemonStopped, leftovers };
  });
}
