/**
 * Git ref and branch questions asked by the CLI (at enqueue) and the worker (at checkout), kept
 * once. `@kingly/cmd` runs no process: each side passes its own way of running git.
 */

/** Runs `git <args>` in one repository; resolves with its trimmed stdout, rejects on a non-zero exit. */
export type GitRunner = (args: readonly string[]) => Promise<string>;

/** The sha of the commit `ref` names; rejects (git's error) when there is none. */
export const commitOf = (git: GitRunner, ref: string): Promise<string> =>
  git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`]);

/** The sha a local branch points at, or undefined when there is no such branch. */
export async function branchTip(git: GitRunner, branch: string): Promise<string | undefined> {
  try {
    // Exit 1 without a word when there is no such branch.
    return (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])) || undefined;
  } catch {
    return undefined;
  }
}

/** The worktree that has `branch` checked out, if any. */
export async function branchCheckedOutAt(git: GitRunner, branch: string): Promise<string | undefined> {
  const list = await git(['worktree', 'list', '--porcelain']);
  let path: string | undefined;
  for (const line of list.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}

/** Git's own words from a failed command: its stderr lines, `fatal:`/`error:` included, hints left out. */
export function gitMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('hint:'));
  return lines.join(' ') || 'git failed without a message';
}
