import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { isValidJobId } from '@kingly/cmd';

// Where things live under KINGLY_HOME. Job worktrees: worktrees/<repo-id>/<job-id> with a
// <job-id>.json beside each; mirrors of URL repositories: mirrors/<repo-id>.git (+ .lock).

export const worktreesRoot = (home: string): string => join(home, 'worktrees');
export const mirrorsRoot = (home: string): string => join(home, 'mirrors');
export const worktreePathFor = (home: string, repoId: string, jobId: string): string => join(worktreesRoot(home), repoId, jobId);
export const mirrorPathFor = (home: string, repoId: string): string => join(mirrorsRoot(home), `${repoId}.git`);
export const mirrorLockPathFor = (home: string, repoId: string): string => join(mirrorsRoot(home), `${repoId}.lock`);
/** The lock of a local repository lives in its common git directory, so every worker finds the same one. */
export const localLockPathFor = (gitDir: string): string => join(gitDir, 'kingly-worktrees.lock');
/** The record kept beside a job's worktree (who made it, from what, what to undo). */
export const metaPathFor = (worktreePath: string): string => `${worktreePath}.json`;

/** `<name>-<12 hex>`: readable, and unique per repository (`key` is its git dir or URL). */
export function repoIdFor(name: string, key: string): string {
  const readable = basename(name).replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 40) || 'repo';
  return `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** Job ids become directory names: only ids kingly could have made (`<queue>:<id>` included), never `.` or `..`. */
export const isSafeJobId = (id: string): boolean => isValidJobId(id) && !id.split(':').some((part) => /^\.+$/.test(part));

/** The lock of the repository whose common git directory is `gitDir` (a mirror under `home`, or a local one). */
export const lockPathForGitDir = (home: string, gitDir: string): string =>
  gitDir.startsWith(`${mirrorsRoot(home)}/`) && gitDir.endsWith('.git') ? `${gitDir.slice(0, -'.git'.length)}.lock` : localLockPathFor(gitDir);
