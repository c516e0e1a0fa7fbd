import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { connectLiteRedis, ErrorCodes, freeLoopbackPort, KinglyError } from '@kingly/cmd/lite';
import { logTail, spawnDaemon, stopProcess } from './daemon.js';
import { isOurProcess, type ProcessIdentity } from './process-info.js';
import { STACK_ENV, type StackPaths } from './paths.js';
import { readPidFile, removeFile } from './pid-file.js';
import { findRedisServer } from './redis-binary.js';

/** Longest unix socket path the OS takes (sun_path less its NUL; macOS has 104 bytes). */
const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103;

/** How long redis may take to answer (loading a large AOF counts). */
const READY_TIMEOUT_MS = 30_000;

export const socketFits = (socket: string): boolean => Buffer.byteLength(socket) <= MAX_SOCKET_PATH;

export const unixUrl = (socket: string): string => pathToFileURL(socket).href.replace(/^file:/, 'unix:');

export function redisIdentity(paths: StackPaths): ProcessIdentity {
  return { cmdlineIncludes: ['redis-server', paths.redisDir], envEntry: `${STACK_ENV}=${paths.home}` };
}

/** This stack's redis, if it runs: its pid and URL (reads only; see clearRedisState). */
export function runningRedis(paths: StackPaths): { pid: number; redisUrl: string } | undefined {
  const pid = readPidFile(paths.redisPidFile);
  const redisUrl = readRedisUrl(paths);
  if (pid !== undefined && redisUrl !== undefined && isOurProcess(pid, redisIdentity(paths))) return { pid, redisUrl };
  return undefined;
}

/** Forgets a redis that is not running: pid file, state file, and a socket a killed one left. */
export function clearRedisState(paths: StackPaths): void {
  removeFile(paths.redisPidFile);
  removeFile(paths.stateFile);
  if (socketFits(paths.socket)) removeFile(paths.socket);
}

function readRedisUrl(paths: StackPaths): string | undefined {
  try {
    const state = JSON.parse(readFileSync(paths.stateFile, 'utf8')) as { redisUrl?: unknown };
    return typeof state.redisUrl === 'string' ? state.redisUrl : undefined;
  } catch {
    return undefined;
  }
}

/** Where redis listens: the unix socket, or loopback TCP on a free port when the path is too long. */
async function listenArgs(paths: StackPaths): Promise<{ args: string[]; redisUrl: string }> {
  if (socketFits(paths.socket)) {
    removeFile(paths.socket); // left by a redis that was killed
    return {
      args: ['--port', '0', '--unixsocket', paths.socket, '--unixsocketperm', '700'],
      redisUrl: unixUrl(paths.socket),
    };
  }
  const port = await freeLoopbackPort();
  return { args: ['--port', String(port), '--bind', '127.0.0.1'], redisUrl: `redis://127.0.0.1:${port}` };
}

/**
 * Starts this stack's redis-server (AOF on, so queued jobs survive a restart) and resolves once it
 * answers. Fails with E_STACK_FAILED and the end of its log when it does not come up.
 */
export async function startRedis(paths: StackPaths): Promise<{ pid: number; redisUrl: string }> {
  const redisServer = findRedisServer();
  for (const dir of [paths.home, paths.redisDir, paths.logsDir, paths.runDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // On loopback TCP the free port may be taken before redis binds it: try another.
  const attempts = socketFits(paths.socket) ? 1 : 3;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startRedisOnce(redisServer, paths);
    } catch (error) {
      if (attempt >= attempts || !(error instanceof ExitedAtStart)) throw error;
    }
  }
}

class ExitedAtStart extends KinglyError {}

async function startRedisOnce(redisServer: string, paths: StackPaths): Promise<{ pid: number; redisUrl: string }> {
  const { args, redisUrl } = await listenArgs(paths);
  const pid = await spawnDaemon({
    command: redisServer,
    args: [
      ...args,
      '--dir', paths.redisDir,
      '--appendonly', 'yes',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      '--logfile', '',
      // Keep the command line as given: it is how a recycled pid is told from our redis.
      '--set-proc-title', 'no',
    ],
    cwd: paths.redisDir,
    env: { ...process.env, [STACK_ENV]: paths.home },
    logFile: paths.redisLog,
    pidFile: paths.redisPidFile,
  });
  writeFileSync(paths.stateFile, `${JSON.stringify({ redisUrl, pid })}\n`, { mode: 0o600 });
  try {
    await waitUntilAnswering(redisUrl, pid, paths);
  } catch (error) {
    await stopProcess(pid, 2000);
    clearRedisState(paths);
    throw error;
  }
  return { pid, redisUrl };
}

async function waitUntilAnswering(redisUrl: string, pid: number, paths: StackPaths): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isOurProcess(pid, redisIdentity(paths))) {
      throw new ExitedAtStart(ErrorCodes.STACK_FAILED, `redis-server exited at start: ${logTail(paths.redisLog)}`, {
        hint: `see ${paths.redisLog}`,
      });
    }
    try {
      const redis = await connectLiteRedis(redisUrl, { connectTimeoutMs: 1000 });
      redis.disconnect();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new KinglyError(ErrorCodes.STACK_FAILED, `redis-server did not answer at ${redisUrl} within ${READY_TIMEOUT_MS / 1000}s`, {
          hint: `see ${paths.redisLog}`,
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
