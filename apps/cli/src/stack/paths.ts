import { join } from 'node:path';

/** Where the local stack keeps everything, all under KINGLY_HOME. */
export interface StackPaths {
  readonly home: string;
  /** redis-server's working directory: its AOF files. */
  readonly redisDir: string;
  /** Unix socket redis listens on (when its path fits; see socketFits). */
  readonly socket: string;
  /** The daemons' logs, written by PM2 (stdout and stderr of each in one file). */
  readonly logsDir: string;
  readonly redisLog: string;
  readonly workerLog: string;
  readonly apiLog: string;
  /** The state file and the lock. */
  readonly runDir: string;
  /** JSON (state.ts): the PM2 home the stack runs under, its redis URL, what the API was given. */
  readonly stateFile: string;
  /** Held while the stack is started or stopped, so two commands never start two stacks. */
  readonly lockFile: string;
  /** The private PM2 home (PM2_HOME) when no other is asked for. */
  readonly privatePm2Home: string;
}

export function stackPaths(home: string): StackPaths {
  const logsDir = join(home, 'logs');
  const runDir = join(home, 'run');
  return {
    home,
    redisDir: join(home, 'redis'),
    socket: join(home, 'redis.sock'),
    logsDir,
    redisLog: join(logsDir, 'redis.log'),
    workerLog: join(logsDir, 'worker.log'),
    apiLog: join(logsDir, 'api.log'),
    runDir,
    stateFile: join(runDir, 'stack.json'),
    lockFile: join(runDir, 'stack.lock'),
    privatePm2Home: join(home, 'pm2'),
  };
}

/**
 * Environment variable set on every process of the stack (and on a private PM2 daemon) to its
 * home: how tests and people find what a stack left running.
 */
export const STACK_ENV = 'KINGLY_STACK_HOME';

/** Longest unix socket path the OS takes (sun_path less its NUL; macOS has 104 bytes). */
const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103;

export const socketFits = (socket: string): boolean => Buffer.byteLength(socket) <= MAX_SOCKET_PATH;
