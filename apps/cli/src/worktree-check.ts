import { realpath, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import {
  badInput,
  branchCheckedOutAt,
  branchTip,
  checkBranchName,
  checkRepo,
  checkRevision,
  commitOf,
  gitMessage,
  isRepoUrl,
  redactRepo,
  type GitRunner,
  type WorktreeSpec,
} from '@kingly/cmd';

/** What `kingly run --git-worktree[=REF] [--branch NAME] [--keep-worktree] [--repo PATH|URL]` asks for. */
export interface WorktreeRequest {
  /** Where the user runs from (`--cwd`): its repository is used, and the command runs at the same place inside the checkout. */
  readonly cwd: string;
  /** `--git-worktree=REF`; undefined for a bare `--git-worktree`. @default undefined (HEAD) */
  readonly ref?: string;
  /** `--branch NAME`: check out a branch (made at REF when new) instead of a detached HEAD. @default undefined */
  readonly branch?: string;
  /** `--keep-worktree`: leave the worktree when the job ends. @default false */
  readonly keep?: boolean;
  /** `--repo PATH|URL`: this repository instead of the one containing `cwd`; a URL is mirrored by the worker. @default undefined */
  readonly repo?: string;
}

/**
 * Checks the shapes of the flags without looking at any repository (the first step of
 * resolveWorktreeRequest): REF is a revision, the branch name is valid, --repo is a path or a URL.
 * Throws E_BAD_INPUT naming the flag.
 */
export function checkWorktreeRequest(request: WorktreeRequest): void {
  if (request.ref !== undefined) {
    const why = checkRevision(request.ref);
    if (why) throw badInput(`--git-worktree=REF: expected a branch, tag or commit, got '${request.ref}': ${why}`);
  }
  if (request.branch !== undefined) {
    const why = checkBranchName(request.branch);
    if (why) throw badInput(`--branch: expected a branch name git accepts, got '${request.branch}': ${why}`, 'see git check-ref-format --help');
  }
  if (request.repo !== undefined && !isRepoUrl(request.repo) && checkRepo(resolve(request.repo))) {
    throw badInput(`--repo: expected a directory or a clone URL, got '${redactRepo(request.repo)}'`);
  }
}

/**
 * Checks at enqueue what can be known on this machine and returns the job spec's `worktree`
 * (give it instead of `cwd`): the repository exists, REF names a commit, the branch name is
 * valid and not checked out in another worktree, the place inside the checkout exists at that
 * commit. Throws E_BAD_INPUT with a hint otherwise. For a URL only the shapes are checked; the
 * worker's fetch says the rest. Names go to git as argv.
 */
export async function resolveWorktreeRequest(request: WorktreeRequest): Promise<WorktreeSpec> {
  checkWorktreeRequest(request);
  const options = {
    ...(request.ref !== undefined ? { ref: request.ref } : {}),
    ...(request.branch !== undefined ? { branch: request.branch } : {}),
    ...(request.keep ? { keep: true } : {}),
  };
  if (request.repo !== undefined && isRepoUrl(request.repo)) return { repo: request.repo, ...options };

  const cwd = resolve(request.cwd);
  const dir = request.repo !== undefined ? resolve(cwd, request.repo) : cwd;
  const place = request.repo !== undefined ? dir : `${dir} (the current directory)`;
  const hint = 'run it from inside a git repository, or give --repo PATH|URL';
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw badInput(`${place} is not a directory`, hint);
  const simple = simpleGit({ baseDir: dir, trimmed: true });
  const git: GitRunner = (args) => simple.raw([...args]);
  let bare: boolean;
  try {
    bare = (await git(['rev-parse', '--is-bare-repository'])) === 'true';
  } catch (error) {
    throw badInput(`${place} is not in a git repository (git: ${gitMessage(error)})`, hint);
  }
  const repo = bare ? await git(['rev-parse', '--absolute-git-dir']) : await git(['rev-parse', '--show-toplevel']);

  const commit = await resolveCommit(git, request.ref ?? 'HEAD', repo);
  const checkedOut = request.branch !== undefined ? await checkBranch(git, request.branch, request.ref, commit) : commit;

  // The command runs at the same place inside the checkout as the user is in the repository.
  let subdir: string | undefined;
  if (!bare && request.repo === undefined) {
    const inside = relative(await realpath(repo), await realpath(cwd));
    if (inside !== '' && !inside.startsWith('..')) subdir = inside;
  }
  if (subdir !== undefined && (await git(['cat-file', '-t', `${checkedOut}:${subdir}`]).catch(() => '')) !== 'tree') {
    throw badInput(
      `the command would run in '${subdir}' of the checkout (where --cwd is in ${repo}), but ${checkedOut.slice(0, 12)} has no such directory`,
      'commit something in it, or give a --cwd the commit has',
    );
  }
  return { repo, ...options, ...(subdir ? { subdir } : {}) };
}

async function resolveCommit(git: GitRunner, ref: string, repo: string): Promise<string> {
  try {
    return await commitOf(git, ref);
  } catch (error) {
    const hint = `give a branch, tag or commit that exists there (git -C ${repo} log --oneline --all)`;
    if (ref === 'HEAD') throw badInput(`${repo} has no commit to check out yet (git: ${gitMessage(error)})`, 'commit something first');
    throw badInput(`unknown ref '${ref}' in ${repo} (git: ${gitMessage(error)})`, hint);
  }
}

/** Refuses a branch checked out elsewhere or at another commit than REF; returns the commit the checkout will be at. */
async function checkBranch(git: GitRunner, branch: string, ref: string | undefined, commit: string): Promise<string> {
  const tip = await branchTip(git, branch);
  if (!tip) return commit;
  const path = await branchCheckedOutAt(git, branch);
  if (path !== undefined) {
    throw badInput(`branch '${branch}' is already checked out at ${path}`, 'give another --branch name (a branch can be checked out in one worktree only)');
  }
  if (ref !== undefined && tip !== commit) {
    throw badInput(
      `branch '${branch}' already exists at ${tip.slice(0, 12)}, not at '${ref}' (${commit.slice(0, 12)})`,
      'leave out =REF to continue the branch, or give a new --branch name',
    );
  }
  return tip;
}
