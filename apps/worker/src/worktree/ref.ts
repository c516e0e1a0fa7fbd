import { branchCheckedOutAt as checkedOutAt, branchTip as tipOf, commitOf } from '@kingly/cmd';
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
      return await commitOf((args) => runGit(repo.gitCwd, args), candidate);
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
export const branchTip = (gitDir: string, branch: string): Promise<string | undefined> => tipOf((args) => runGit(gitDir, args), branch);

/** The worktree that has `branch` checked out, if any. */
export const branchCheckedOutAt = (gitDir: string, branch: string): Promise<string | undefined> =>
  checkedOutAt((args) => runGit(gitDir, args), branch);
