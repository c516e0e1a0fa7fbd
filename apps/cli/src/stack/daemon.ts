import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { isRunning } from './process-info.js';
import { writePidFile } from './pid-file.js';

export interface DaemonSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  readonly pidFile: string;
}

/**
 * Starts a process that outlives us: its own session (detached), stdin closed, output appended
 * to its log file, pid written to its pid file. Resolves with the pid once it has been spawned;
 * rejects when it cannot be (program missing).
 */
export async function spawnDaemon(spec: DaemonSpec): Promise<number> {
  const log = openSync(spec.logFile, 'a', 0o600);
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    writePidFile(spec.pidFile, child.pid!);
    return child.pid!;
  } finally {
    closeSync(log);
  }
}

/** Polls until the process is gone or the time is up; true when gone. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

export interface StopResult {
  readonly pid: number;
  /** True when SIGTERM was not enough and SIGKILL was sent. */
  readonly forced: boolean;
}

/** SIGTERM, up to `graceMs` to go, then SIGKILL. */
export async function stopProcess(pid: number, graceMs: number): Promise<StopResult> {
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  signal('SIGTERM');
  if (await waitForExit(pid, graceMs)) return { pid, forced: false };
  signal('SIGKILL');
  await waitForExit(pid, 5000);
  return { pid, forced: true };
}

/** The last lines of a log file, to say why a daemon did not come up. */
export function logTail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}
