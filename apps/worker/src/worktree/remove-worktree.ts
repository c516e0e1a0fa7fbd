import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { retryOnStaleGitLock } from './git-locks.js';
import { gitMessage, runGit } from './git.js';
import { removeMeta, type WorktreeMeta } from './job-meta.js';
import { branchTip } from './ref.js';
import { withRepoLock, type RepoLockOptions } from './repo-lock.js';

type Log = (line: string) => void;

/** Removes a job's worktree under the repository lock; see removeWorktreeLocked. */
export function removeWorktree(meta: WorktreeMeta, log: Log, lock: RepoLockOptions = {}): Promise<void> {
  return withRepoLock(meta.lockPath, () => removeWorktreeLocked(meta, log), lock);
}

/**
 * Undoes what addWorktree made, the repository lock held: the directory and git's entry for it
 * (locked or not, changes or not), the branch when the job made it and added no commits to it,
 * the record beside it, and the repository's directory under worktrees/ once empty.
 */
export async function removeWorktreeLocked(meta: WorktreeMeta, log: Log): Promise<void> {
  const path = meta.worktreePath;
  const git = (args: string[]): Promise<string> => retryOnStaleGitLock(meta.gitDir, () => runGit(meta.gitDir, args), log);
  await git(['worktree', 'unlock', path]).catch(() => {
    /* not locked: nothing to unlock */
  });
  try {
    await git(['worktree', 'remove', '--force', '--force', path]);
  } catch (error) {
    // Half-made or already gone: remove the directory and let prune drop git's entry.
    const message = gitMessage(error);
    if (!/is not a working tree/.test(message)) log(`[kingly] git worktree remove: ${message}; removing ${path} directly`);
  }
  await rm(path, { recursive: true, force: true });
  await unlockEntriesOf(meta.gitDir, path);
  await git(['worktree', 'prune']).catch((error: unknown) => log(`[kingly] git worktree prune: ${gitMessage(error)}`));
  if (meta.branch && meta.branchCreated) await dropBranchIfUnused(meta, git, log);
  await removeMeta(path);
  await rmdir(dirname(path)).catch(() => {
    /* fails while other jobs' worktrees are there */
  });
}

async function dropBranchIfUnused(meta: WorktreeMeta, git: (args: string[]) => Promise<string>, log: Log): Promise<void> {
  const branch = meta.branch!;
  const tip = await branchTip(meta.gitDir, branch);
  if (!tip) return;
  if (tip === meta.baseCommit) {
    // Only if it still points where the job found it (compare-and-delete).
    await git(['update-ref', '-d', `refs/heads/${branch}`, meta.baseCommit]).catch((error: unknown) =>
      log(`[kingly] could not delete the unused branch '${branch}': ${gitMessage(error)}`),
    );
    return;
  }
  const count = await git(['rev-list', '--count', `${meta.baseCommit}..${tip}`]).catch(() => '?');
  log(`[kingly] branch '${branch}' kept: ${count} new commit(s), now at ${tip.slice(0, 12)}`);
}

/**
 * Deletes the `locked` file of git's entries for `path`, so `git worktree prune` can drop them
 * once the directory is gone (a crash can leave "initializing" or kingly's own reason there).
 */
export async function unlockEntriesOf(gitDir: string, path: string): Promise<void> {
  const admin = join(gitDir, 'worktrees');
  const entries = await readdir(admin).catch(() => [] as string[]);
  for (const name of entries) {
    const gitdir = await readFile(join(admin, name, 'gitdir'), 'utf8').catch(() => '');
    if (gitdir.trim() === join(path, '.git')) await rm(join(admin, name, 'locked'), { force: true });
  }
}
