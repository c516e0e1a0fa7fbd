import { readFileSync, writeFileSync } from 'node:fs';
import { ErrorCodes, KinglyError, type KinglyConfig } from '@kingly/cmd/lite';
import { portTaken } from './api-port.js';
import { API_TOKEN_ENV, tokenFingerprint, type ApiToken, type TokenSource } from './api-token.js';
import { logTail, spawnDaemon, stopProcess } from './daemon.js';
import { isOurProcess, type ProcessIdentity } from './process-info.js';
import { STACK_ENV, type StackPaths } from './paths.js';
import { readPidFile, removeFile } from './pid-file.js';
import { KINGLY_BIN } from '../kingly-bin.js';

/** The `kingly` executable the daemon runs (this package's bin). */

/** The stack's API listens on loopback only. */
export const STACK_API_HOST = '127.0.0.1';

/** How long the API may take to answer /healthz (it loads Fastify, Bull Board and OpenAPI; two busy cores are slow). */
const READY_TIMEOUT_MS = 60_000;

/** What the API daemon was started with (run/api.json). */
export interface ApiState {
  readonly url: string;
  readonly port: number;
  readonly queue: string;
  readonly prefix: string;
  readonly tokenSource: TokenSource;
  /** tokenFingerprint() of its token: whether the token in hand is the one it takes. */
  readonly tokenFingerprint: string;
}

export interface RunningApi extends ApiState {
  readonly pid: number;
}

export function apiIdentity(paths: StackPaths): ProcessIdentity {
  // Bin and command name together: a bare 'api' could be part of any path on the line.
  return { cmdlineIncludes: [`${KINGLY_BIN} api`], envEntry: `${STACK_ENV}=${paths.home}` };
}

function readState(paths: StackPaths): ApiState | undefined {
  try {
    const state = JSON.parse(readFileSync(paths.apiStateFile, 'utf8')) as Partial<ApiState>;
    return typeof state.url === 'string' && typeof state.port === 'number' ? (state as ApiState) : undefined;
  } catch {
    return undefined;
  }
}

/** This stack's API daemon, if it runs (reads only; clearApiState forgets a stale one under the lock). */
export function runningApi(paths: StackPaths): RunningApi | undefined {
  const pid = readPidFile(paths.apiPidFile);
  const state = readState(paths);
  if (pid !== undefined && state !== undefined && isOurProcess(pid, apiIdentity(paths))) return { ...state, pid };
  return undefined;
}

export function clearApiState(paths: StackPaths): void {
  removeFile(paths.apiPidFile);
  removeFile(paths.apiStateFile);
}

export interface StartApiOptions {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  readonly token: ApiToken;
  /** How to pick another port, for the error when this one is taken. */
  readonly howToChoosePort: string;
}

/**
 * Starts `kingly api` as a daemon on the stack's redis (loopback only; the token goes through its
 * environment, never its command line, which any user can read) and resolves once /healthz answers.
 */
export async function startApi(
  paths: StackPaths,
  redisUrl: string,
  config: Pick<KinglyConfig, 'queue' | 'prefix'>,
  options: StartApiOptions,
): Promise<RunningApi> {
  const { port, token } = options;
  const pid = await spawnDaemon({
    command: process.execPath,
    args: [
      KINGLY_BIN, 'api',
      '--host', STACK_API_HOST,
      '--port', String(port),
      '--redis-url', redisUrl,
      '--prefix', config.prefix,
      '--queue', config.queue,
      '--home', paths.home,
    ],
    cwd: paths.home,
    env: { ...process.env, [STACK_ENV]: paths.home, [API_TOKEN_ENV]: token.token },
    logFile: paths.apiLog,
    pidFile: paths.apiPidFile,
  });
  const state: ApiState = {
    url: `http://${STACK_API_HOST}:${port}`,
    port,
    queue: config.queue,
    prefix: config.prefix,
    tokenSource: token.source,
    tokenFingerprint: tokenFingerprint(token.token),
  };
  writeFileSync(paths.apiStateFile, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  try {
    await waitUntilHealthy(pid, paths, state, options.howToChoosePort);
  } catch (error) {
    await stopProcess(pid, 5000);
    clearApiState(paths);
    throw error;
  }
  return { ...state, pid };
}

/** GET /healthz: its status, or undefined when nothing answers. */
async function healthStatus(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

async function waitUntilHealthy(pid: number, paths: StackPaths, state: ApiState, howToChoosePort: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: number | undefined;
  for (;;) {
    if (!isOurProcess(pid, apiIdentity(paths))) {
      const tail = logTail(paths.apiLog);
      // Checked free before the start, but another program may have taken it since.
      if (/already in use/.test(tail)) throw portTaken(STACK_API_HOST, state.port, howToChoosePort);
      throw new KinglyError(ErrorCodes.STACK_FAILED, `the API exited at start: ${tail}`, { hint: `see ${paths.apiLog}` });
    }
    last = await healthStatus(state.url);
    // Ours only if it still runs once the answer came (not another program on a port taken meanwhile).
    if (last === 200 && isOurProcess(pid, apiIdentity(paths))) return;
    if (Date.now() > deadline) {
      const why = last === undefined ? 'did not answer' : `answered ${last}${last === 503 ? ' (it cannot reach Redis)' : ''}`;
      throw new KinglyError(ErrorCodes.STACK_FAILED, `the API (pid ${pid}) ${why} at ${state.url}/healthz within ${READY_TIMEOUT_MS / 1000}s`, {
        hint: `see ${paths.apiLog}`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
