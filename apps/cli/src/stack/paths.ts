import { join } from 'node:path';

/** Where the local stack keeps everything, all under KINGLY_HOME. */
export interface StackPaths {
  readonly home: string;
  /** redis-server's working directory: its AOF files. */
  readonly redisDir: string;
  /** Unix socket redis listens on (when its path fits; see socketFits). */
  readonly socket: string;
  readonly logsDir: string;
  readonly redisLog: string;
  readonly workerLog: string;
  readonly apiLog: string;
  /** Pid files, the state file and the lock. */
  readonly runDir: string;
  readonly redisPidFile: string;
  readonly workerPidFile: string;
  readonly apiPidFile: string;
  /** JSON: where the API daemon listens and which token it was given (a fingerprint, never the token). */
  readonly apiStateFile: string;
  /** JSON {redisUrl}: how to reach this stack's redis (a socket, or loopback TCP as a fallback). */
  readonly stateFile: string;
  /** Held while the stack is started or stopped, so two commands never start two stacks. */
  readonly lockFile: string;
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
    redisPidFile: join(runDir, 'redis.pid'),
    workerPidFile: join(runDir, 'worker.pid'),
    apiPidFile: join(runDir, 'api.pid'),
    apiStateFile: join(runDir, 'api.json'),
    stateFile: join(runDir, 'redis.json'),
    lockFile: join(runDir, 'stack.lock'),
  };
}

/**
 * Environment variable set on every process of the stack to its home: together with the command
 * line it tells our daemon from an unrelated process that got a recycled pid.
 */
export const STACK_ENV = 'KINGLY_STACK_HOME';
