import { openSync, closeSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { ErrorCodes, KinglyError } from '@kingly/cmd/lite';
import { isRunning } from './process-info.js';

/** Longer than a start or stop takes, so only a lock left by a crash is ever broken. */
const WAIT_MS = 90_000;

function tryTake(file: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The lock was left by a process that is gone (or never wrote its pid and is long gone). */
function isAbandoned(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isSafeInteger(pid) && pid > 0) return !isRunning(pid);
    return Date.now() - statSync(file).mtimeMs > 10_000;
  } catch {
    return false; // removed meanwhile: try again
  }
}

/** Runs `fn` holding the stack's lock file; waits while another kingly holds it. */
export async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (!tryTake(file)) {
    if (isAbandoned(file)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new KinglyError(ErrorCodes.STACK_FAILED, `another kingly has held ${file} for over ${WAIT_MS / 1000}s`, {
        hint: 'if no kingly up/down is running, remove that file',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
