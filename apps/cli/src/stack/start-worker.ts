import { ErrorCodes, KinglyError, type KinglyConfig } from '@kingly/cmd/lite';
import { logTail, spawnDaemon, stopProcess } from './daemon.js';
import { isOurProcess, type ProcessIdentity } from './process-info.js';
import { STACK_ENV, type StackPaths } from './paths.js';
import { readPidFile, removeFile } from './pid-file.js';
import { KINGLY_BIN } from '../kingly-bin.js';

/** The `kingly` executable the daemon runs (this package's bin). */

/** How long a new worker may take to send its first heartbeat (two busy cores load slowly). */
const HEARTBEAT_TIMEOUT_MS = 30_000;

export function workerIdentity(paths: StackPaths): ProcessIdentity {
  return { cmdlineIncludes: [KINGLY_BIN, 'worker'], envEntry: `${STACK_ENV}=${paths.home}` };
}

/** This stack's worker daemon, if it runs (reads only; a stale pid file is removed under the lock). */
export function runningWorker(paths: StackPaths): { pid: number } | undefined {
  const pid = readPidFile(paths.workerPidFile);
  if (pid !== undefined && isOurProcess(pid, workerIdentity(paths))) return { pid };
  return undefined;
}

/**
 * Starts `kingly worker` as a daemon on the stack's redis, with the queue and prefix this
 * invocation uses, and resolves once its heartbeat is in Redis.
 */
export async function startWorker(paths: StackPaths, redisUrl: string, config: Pick<KinglyConfig, 'queue' | 'prefix' | 'workerConcurrency'>): Promise<{ pid: number }> {
  const pid = await spawnDaemon({
    command: process.execPath,
    args: [
      KINGLY_BIN, 'worker', '--redis-url', redisUrl, '--prefix', config.prefix, '--queue', config.queue,
      // The daemon runs in KINGLY_HOME, away from the project's kingly.config.json: pass its setting on.
      ...(config.workerConcurrency !== undefined ? ['--concurrency', String(config.workerConcurrency)] : []),
    ],
    cwd: paths.home,
    env: { ...process.env, [STACK_ENV]: paths.home },
    logFile: paths.workerLog,
    pidFile: paths.workerPidFile,
  });
  try {
    await waitForHeartbeat(pid, paths, redisUrl, config);
  } catch (error) {
    await stopProcess(pid, 5000);
    removeFile(paths.workerPidFile);
    throw error;
  }
  return { pid };
}

async function waitForHeartbeat(pid: number, paths: StackPaths, redisUrl: string, config: Pick<KinglyConfig, 'queue' | 'prefix'>): Promise<void> {
  // Only when a worker is started: commands that find the stack running never load the client.
  const { KinglyClient } = await import('@kingly/cmd');
  const client = new KinglyClient({ redisUrl, prefix: config.prefix, queue: config.queue });
  const deadline = Date.now() + HEARTBEAT_TIMEOUT_MS;
  try {
    for (;;) {
      if (!isOurProcess(pid, workerIdentity(paths))) {
        throw new KinglyError(ErrorCodes.STACK_FAILED, `the worker exited at start: ${logTail(paths.workerLog)}`, {
          hint: `see ${paths.workerLog}`,
        });
      }
      const workers = await client.listWorkers();
      if (workers.some((w) => w.pid === pid && w.alive)) return;
      if (Date.now() > deadline) {
        throw new KinglyError(ErrorCodes.STACK_FAILED, `the worker (pid ${pid}) sent no heartbeat within ${HEARTBEAT_TIMEOUT_MS / 1000}s`, {
          hint: `see ${paths.workerLog}`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.close();
  }
}
