import { existsSync, mkdirSync } from 'node:fs';
import { ErrorCodes, KinglyError, type KinglyConfig } from '@kingly/cmd/lite';
import { checkPortFree } from './api-port.js';
import { appName, STACK_PARTS, type StackPart } from './apps.js';
import { rotateLogs } from './logs.js';
import { STACK_ENV, type StackPaths } from './paths.js';
import { stopLeftovers } from './leftovers.js';
import { daemonPid, daemonRuns, withPm2, type Pm2Process, type Pm2Session } from './pm2.js';
import { findRedisServer } from './redis-binary.js';
import { readState, writeState, type StackState } from './state.js';
import { startRedis } from './start-redis.js';
import { STACK_API_HOST, startApi, type StartApiOptions } from './start-api.js';
import { startWorker } from './start-worker.js';
import { withStackLock } from './stack-lock.js';

/** Environment variable naming a PM2 home to run the stack under (as `kingly up --pm2-home`). */
export const PM2_HOME_ENV = 'KINGLY_PM2_HOME';

export interface StackOptions {
  /**
   * PM2_HOME to run the stack under, so the user's own `pm2 ls`, `pm2 save` and `pm2 startup`
   * cover it. @default $KINGLY_PM2_HOME, else the one the stack was started under, else KINGLY_HOME/pm2
   */
  readonly pm2Home?: string;
}

/**
 * The PM2 home to use: the asked one, else the one the stack was started under (while that
 * directory is there), else the private one; E_CONFLICT when the running stack uses another.
 */
async function pm2HomeFor(paths: StackPaths, state: StackState | undefined, options: StackOptions): Promise<string> {
  const asked = options.pm2Home ?? (process.env[PM2_HOME_ENV] || undefined);
  if (state !== undefined && asked !== undefined && asked !== state.pm2Home && (await daemonRuns(state.pm2Home))) {
    throw new KinglyError(ErrorCodes.CONFLICT, `the local stack in ${paths.home} runs under the PM2 home ${state.pm2Home}, not ${asked}`, {
      hint: "stop it with 'kingly down' first",
    });
  }
  return asked ?? (state !== undefined && existsSync(state.pm2Home) ? state.pm2Home : paths.privatePm2Home);
}

/** PM2's processes of this stack, by part. */
export function partsIn(list: readonly Pm2Process[], paths: StackPaths, pm2Home: string): Map<StackPart, Pm2Process> {
  const parts = new Map<StackPart, Pm2Process>();
  for (const part of STACK_PARTS) {
    const proc = list.find((p) => p.name === appName(part, paths, pm2Home));
    if (proc !== undefined) parts.set(part, proc);
  }
  return parts;
}

/** Running, or about to be restarted by PM2; a stopped or errored app is not. */
export const isUp = (proc: Pm2Process | undefined): proc is Pm2Process => proc !== undefined && proc.status !== 'stopped' && proc.status !== 'errored';

/** A private PM2 daemon carries the stack's marker, so what a stack left running can be found. */
const daemonEnv = (paths: StackPaths, pm2Home: string): Record<string, string> => (pm2Home === paths.privatePm2Home ? { [STACK_ENV]: paths.home } : {});

export interface Started {
  readonly pm2Home: string;
  readonly redisUrl: string;
  /** What this call started. */
  readonly started: StackPart[];
  /** The stack's apps afterwards. */
  readonly processes: Map<StackPart, Pm2Process>;
  readonly state: StackState;
}

export interface StartRequest extends StackOptions {
  readonly config: KinglyConfig;
  /** Start the worker too (every command but `kingly worker`). */
  readonly withWorker: boolean;
  /** Start the API when it does not run. @default undefined (leave it out) */
  readonly withApi?: StartApiOptions;
}

/** Starts whatever part of the stack is not running, under the lock. */
export async function startMissing(paths: StackPaths, request: StartRequest): Promise<Started> {
  for (const dir of [paths.home, paths.runDir, paths.logsDir, paths.redisDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withStackLock(paths, async () => {
    const state = readState(paths);
    const pm2Home = await pm2HomeFor(paths, state, request);
    // Said before a PM2 daemon is started for nothing.
    const redisServer = findRedisServer();
    return withPm2(pm2Home, daemonEnv(paths, pm2Home), async (pm2) => {
      try {
        return await startIn(pm2, paths, request, state, redisServer);
      } catch (error) {
        // A failed start leaves no idle daemon of its own behind.
        if (pm2Home === paths.privatePm2Home && (await pm2.list()).length === 0) await pm2.killDaemon();
        throw error;
      }
    });
  });
}

async function startIn(pm2: Pm2Session, paths: StackPaths, request: StartRequest, previous: StackState | undefined, redisServer: string): Promise<Started> {
  const { config, withWorker, withApi } = request;
  const name = (part: StackPart): string => appName(part, paths, pm2.home);
  const running = partsIn(await pm2.list(), paths, pm2.home);
  const started: StackPart[] = [];
  let state = previous;
  // A taken port is said before anything is started.
  if (withApi && !isUp(running.get('api'))) await checkPortFree(STACK_API_HOST, withApi.port, withApi.howToChoosePort);
  if (!isUp(running.get('redis')) || state?.pm2Home !== pm2.home) {
    // A worker or API left from a redis that is gone would talk to nothing: start them anew.
    for (const part of ['api', 'worker', 'redis'] as const) if (running.has(part)) await pm2.remove(name(part));
    // None known to PM2: processes of a daemon killed with SIGKILL may still run (a second redis on the same files must not).
    if (running.size === 0) await stopLeftovers(paths, [daemonPid(pm2.home) ?? 0]);
    running.clear();
    rotateLogs(paths);
    state = { pm2Home: pm2.home, redisUrl: await startRedis(pm2, paths, redisServer) };
    writeState(paths, state);
    started.push('redis');
  }
  if (withWorker && !isUp(running.get('worker'))) {
    if (running.has('worker')) await pm2.remove(name('worker'));
    await startWorker(pm2, paths, state.redisUrl, config);
    started.push('worker');
  }
  if (withWorker && state.worker !== true) {
    state = { ...state, worker: true };
    writeState(paths, state);
  }
  if (withApi && !isUp(running.get('api'))) {
    if (running.has('api')) await pm2.remove(name('api'));
    const api = await startApi(pm2, paths, state.redisUrl, config, withApi);
    state = { ...state, api: api.state };
    writeState(paths, state);
    started.push('api');
  }
  return { pm2Home: pm2.home, redisUrl: state.redisUrl, started, processes: partsIn(await pm2.list(), paths, pm2.home), state };
}
