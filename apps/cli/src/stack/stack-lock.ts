import { ErrorCodes, KinglyError } from '@kingly/cmd/lite';
import type { StackPaths } from './paths.js';

/** Longer than a start or stop takes, so only a lock left by a crash is ever broken. */
const WAIT_MS = 120_000;

/**
 * Runs `fn` holding the stack's lock file, so two commands starting the stack at once end with one
 * stack (the worker's repository lock: a holder that died leaves a lock the next taker breaks).
 */
export async function withStackLock<T>(paths: StackPaths, fn: () => Promise<T>): Promise<T> {
  const { withRepoLock } = await import('@kingly/worker/repo-lock');
  try {
    return await withRepoLock(paths.lockFile, fn, { timeoutMs: WAIT_MS });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'E_LOCK_TIMEOUT') throw error;
    throw new KinglyError(ErrorCodes.STACK_FAILED, `another kingly has held ${paths.lockFile} for over ${WAIT_MS / 1000}s`, {
      hint: 'if no kingly up/down is running, remove that file',
      cause: error,
    });
  }
}
