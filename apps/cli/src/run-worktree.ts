import type { WorktreeSpec } from '@kingly/cmd';
import { isKinglyError } from '@kingly/cmd/lite';
import { ExitRequest, reportError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { EqualsValueFlag } from './equals-value.js';
import { write } from './output/write.js';

/** `--git-worktree=REF` reaches commander as the hidden `--git-worktree-ref REF` (see equals-value.ts). */
export const GIT_WORKTREE_FLAG: EqualsValueFlag = { command: 'run', flag: '--git-worktree', valueFlag: '--git-worktree-ref' };

/** The worktree flags of `kingly run`, as commander gives them. */
export interface WorktreeFlags {
  /** `--git-worktree`: run in a fresh worktree of HEAD of the repository around --cwd. @default false */
  readonly gitWorktree?: boolean;
  /** `--git-worktree=REF`: of REF instead of HEAD. @default undefined (HEAD) */
  readonly gitWorktreeRef?: string;
  /** `--branch NAME`: check out this branch (made at REF when new) instead of a detached HEAD. @default undefined */
  readonly branch?: string;
  /** `--keep-worktree`: leave the worktree when the job ends. @default false */
  readonly keepWorktree?: boolean;
  /** `--repo PATH|URL`: this repository instead of the one around --cwd. @default undefined */
  readonly repo?: string;
}

export const wantsWorktree = (flags: WorktreeFlags): boolean => flags.gitWorktree === true || flags.gitWorktreeRef !== undefined;

/** What is wrong with how the worktree flags are combined (a usage error), or undefined. */
export function worktreeFlagsMistake(flags: WorktreeFlags, commandCount: number): string | undefined {
  if (!wantsWorktree(flags)) {
    const stray = [flags.branch !== undefined && '--branch', flags.keepWorktree === true && '--keep-worktree', flags.repo !== undefined && '--repo'].filter(Boolean);
    return stray.length > 0 ? `${stray.join(', ')} ${stray.length > 1 ? 'need' : 'needs'} --git-worktree (or --git-worktree=REF)` : undefined;
  }
  if (flags.branch !== undefined && commandCount > 1) {
    return `--branch cannot be given with ${commandCount} commands: each runs in its own worktree and a branch can be checked out in one worktree only`;
  }
  return undefined;
}

/**
 * The job spec's `worktree` for the flags, checked against the repository now. A flag of the wrong
 * shape throws E_BAD_INPUT (exit 2); a repository that cannot give what is asked (none there, an
 * unknown ref, a branch checked out elsewhere) is said in one line and ends kingly with exit 1.
 */
export async function worktreeFromFlags(flags: WorktreeFlags, cwd: string): Promise<WorktreeSpec> {
  const { checkWorktreeRequest, resolveWorktreeRequest } = await import('./worktree-check.js');
  const request = {
    cwd,
    ...(flags.gitWorktreeRef !== undefined ? { ref: flags.gitWorktreeRef } : {}),
    ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
    ...(flags.keepWorktree ? { keep: true } : {}),
    ...(flags.repo !== undefined ? { repo: flags.repo } : {}),
  };
  checkWorktreeRequest(request);
  try {
    return await resolveWorktreeRequest(request);
  } catch (error) {
    if (!isKinglyError(error)) throw error;
    await write(process.stderr, `${reportError(error, 'kingly run').line}\n`);
    throw new ExitRequest(ExitCode.FAILURE);
  }
}
