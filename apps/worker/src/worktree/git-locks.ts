import { rm, stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { gitMessage } from './git.js';

/** Git holds ref, packed-refs and config locks for milliseconds: one this old was left by a git that died. */
export const STALE_GIT_LOCK_MS = 60_000;

const LOCK_IN_MESSAGE = /Unable to create '([^']+\.lock)': File exists/;

/**
 * Runs a git operation of the repository's (the kingly lock held); when git fails on a lock file
 * inside the repository's git directory that is older than STALE_GIT_LOCK_MS, removes it, says
 * so in the log and tries once more. `index.lock` is never removed: a `git commit` waiting in an
 * editor holds it for as long as it likes; git's message tells the user.
 */
export async function retryOnStaleGitLock<T>(gitDir: string, run: () => Promise<T>, log: (line: string) => void): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const path = LOCK_IN_MESSAGE.exec(gitMessage(error))?.[1];
    if (!path) throw error;
    const absolute = resolve(gitDir, path);
    const inside = !relative(gitDir, absolute).startsWith('..');
    const info = await stat(absolute).catch(() => undefined);
    if (!inside || basename(absolute) === 'index.lock' || !info || Date.now() - info.mtimeMs < STALE_GIT_LOCK_MS) throw error;
    await rm(absolute, { force: true });
    log(`[kingly] removed ${absolute}: a git lock file left ${Math.round((Date.now() - info.mtimeMs) / 1000)}s ago by a git that is gone`);
    return run();
  }
}
