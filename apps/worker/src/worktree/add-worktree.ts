import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WorktreeError, WorktreeErrorCodes } from './errors.js';
import { retryOnStaleGitLock } from './git-locks.js';
import { gitMessage, runGit } from './git.js';
import { readMeta, writeMeta, type WorktreeMeta } from './job-meta.js';
import { syncMirror } from './mirror.js';
import { currentOwner } from './owner.js';
import { branchCheckedOutAt, branchTip, resolveCommit } from './ref.js';
import { removeWorktreeLocked } from './remove-worktree.js';
import type { Repository } from './repository.js';
import { withRepoLock, type RepoLockOptions } from './repo-lock.js';

export interface AddWorktreeRequest {
  readonly repo: Repository;
  readonly jobId: string;
  readonly worktreePath: string;
  /** As the job asked; undefined means HEAD. */
  readonly ref: string | undefined;
  readonly branch: string | undefined;
  readonly keep: boolean;
  /** When the job was asked for: a mirror fetched since then is fresh enough. */
  readonly requestedAt: number;
}

type Log = (line: string) => void;

/**
 * Registers the job's worktree with git, holding the repository lock for the quick part only:
 * mirror fetch, ref and branch checks, removal of a leftover of an earlier attempt, the record
 * beside the worktree, then `git worktree add --no-checkout --lock`. Files are checked out after
 * (see checkoutWorktree), without the lock. On failure nothing of it is left.
 */
export function addWorktree(request: AddWorktreeRequest, log: Log, lock: RepoLockOptions = {}): Promise<WorktreeMeta> {
  const { repo } = request;
  return withRepoLock(repo.lockPath, () => addLocked(request, log), {
    ...lock,
    onWait: (holder) => log(`[kingly] waiting for the worktree lock of ${repo.display} (held by ${holder})`),
  });
}

async function addLocked(request: AddWorktreeRequest, log: Log): Promise<WorktreeMeta> {
  const { repo, jobId, worktreePath, ref, branch } = request;
  if (repo.url) await syncMirror(repo, request.requestedAt, log);
  // What an earlier attempt of this job left when its worker died.
  const leftover = await readMeta(worktreePath);
  if (leftover) await removeWorktreeLocked(leftover, log);
  else if (await stat(worktreePath).then(() => true, () => false)) await removeWorktreeLocked(recordOf(request, '', false), log);
  const commit = await resolveCommit(repo, ref);
  let base = commit;
  let branchCreated = false;
  if (branch) {
    const tip = await branchTip(repo.gitDir, branch);
    if (tip) {
      const at = await branchCheckedOutAt(repo.gitDir, branch);
      if (at) {
        throw new WorktreeError(WorktreeErrorCodes.BRANCH_IN_USE, `branch '${branch}' is already checked out at ${at}; give another branch name`);
      }
      if (ref !== undefined && tip !== commit) {
        throw new WorktreeError(
          WorktreeErrorCodes.BRANCH_EXISTS,
          `branch '${branch}' already exists at ${tip.slice(0, 12)}, not at '${ref}' (${commit.slice(0, 12)}); leave out the ref to continue the branch, or give a new branch name`,
        );
      }
      base = tip;
    } else {
      branchCreated = true;
    }
  }

  await mkdir(dirname(worktreePath), { recursive: true });
  const meta = recordOf(request, base, branchCreated);
  await writeMeta(meta);
  const owner = meta.owner;
  const args = ['worktree', 'add', '--no-checkout', '--lock', '--reason', `kingly job ${jobId} (pid ${owner.pid} on ${owner.host})`];
  if (!branch) args.push('--detach', worktreePath, base);
  else if (branchCreated) args.push('-b', branch, worktreePath, base);
  else args.push(worktreePath, branch);
  try {
    await retryOnStaleGitLock(repo.gitDir, () => runGit(repo.gitDir, args), log);
  } catch (error) {
    await removeWorktreeLocked(meta, log).catch(() => {
      /* the add's error (thrown below) is the one to report */
    });
    throw new WorktreeError(WorktreeErrorCodes.GIT_FAILED, `git worktree add failed: ${gitMessage(error)}`);
  }
  return meta;
}

function recordOf(request: AddWorktreeRequest, base: string, branchCreated: boolean): WorktreeMeta {
  return {
    jobId: request.jobId,
    worktreePath: request.worktreePath,
    repo: request.repo.display,
    gitDir: request.repo.gitDir,
    lockPath: request.repo.lockPath,
    branch: request.branch ?? null,
    branchCreated,
    baseCommit: base,
    keep: request.keep,
    owner: currentOwner(),
    createdAt: new Date().toISOString(),
  };
}

/** Fills the registered worktree with the files of its commit (no hooks run; the worktree has its own index). */
export async function checkoutWorktree(meta: WorktreeMeta): Promise<void> {
  try {
    await runGit(meta.worktreePath, ['reset', '--hard', '--quiet']);
  } catch (error) {
    throw new WorktreeError(WorktreeErrorCodes.GIT_FAILED, `git checkout of ${meta.baseCommit.slice(0, 12)} failed: ${gitMessage(error)}`);
  }
}
