import { WorktreeError, WorktreeErrorCodes } from './errors.js';
import { gitMessage, runGit } from './git.js';
import type { Repository } from './repository.js';

/**
 * The sha `ref` names in the repository (default HEAD). In a mirror, a name is looked up among
 * the remote's branches first (`main` is `refs/remotes/origin/main`), then as given (tags, shas).
 */
export async function resolveCommit(repo: Repository, ref: string | undefined): Promise<string> {
  const asked = ref ?? 'HEAD';
  const candidates = repo.url ? [`refs/remotes/origin/${asked}`, asked] : [asked];
  let last: unknown;
  for (const candidate of candidates) {
    try {
      return await runGit(repo.gitCwd, ['rev-parse', '--verify', '--end-of-options', `${candidate}^{commit}`]);
    } catch (error) {
      last = error;
    }
  }
  throw new WorktreeError(
    WorktreeErrorCodes.UNKNOWN_REF,
    `unknown ref '${asked}' in ${repo.display} (git: ${gitMessage(last)}); give a branch, tag or commit that exists there`,
  );
}

/** The sha a local branch points at, or undefined when there is no such branch. */
export async function branchTip(gitDir: string, branch: string): Promise<string | undefined> {
  try {
    // Exit 1 without a word when there is no such branch.
    return (await runGit(gitDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])) || undefined;
  } catch {
    return undefined;
  }
}

/** The worktree that has `branch` checked out, if any. */
export async function branchCheckedOutAt(gitDir: string, branch: string): Promise<string | undefined> {
  const list = await runGit(gitDir, ['worktree', 'list', '--porcelain']);
  let path: string | undefined;
  for (const line of list.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}
