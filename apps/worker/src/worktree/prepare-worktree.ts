import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorktreeSpec } from '@kingly/cmd';
import { SpawnError } from '../spawn.js';
import { isActive, markActive, unmarkActive } from './active.js';
import { addWorktree, checkoutWorktree } from './add-worktree.js';
import { WorktreeError, WorktreeErrorCodes } from './errors.js';
import { gitMessage, runGit } from './git.js';
import type { WorktreeMeta } from './job-meta.js';
import { isSafeJobId, mirrorsRoot, worktreePathFor } from './paths.js';
import { removeWorktree } from './remove-worktree.js';
import { resolveRepository } from './repository.js';
import type { RepoLockOptions } from './repo-lock.js';
import { reuseFromMainCheckout } from './reuse.js';
import { copyIntoWorktree, runSetup } from './setup.js';
import { readWorktreeConfig } from './worktree-config.js';

export interface PrepareWorktreeOptions {
  /** KINGLY_HOME: the worktree goes to `<home>/worktrees/<repo-id>/<job-id>`, mirrors to `<home>/mirrors`. */
  readonly home: string;
  /** When the job was asked for (ms since the epoch): a mirror fetched since then is not fetched again. @default now */
  readonly requestedAt?: number;
  /** The job's environment, for the setup commands (over the worker's, with KINGLY_JOB_ID, KINGLY_WORKTREE and KINGLY_MAIN_CHECKOUT). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Waiting for the repository lock. @default see RepoLockOptions */
  readonly lock?: RepoLockOptions;
  /** Told each setup process's pid (its group) once it exists, so a stop can reach it. @default none */
  readonly onProcess?: (pid: number) => void;
}

/** The job record's fields about its worktree. */
export interface WorktreeFields {
  readonly repo: string;
  readonly ref: string;
  readonly commit: string;
  readonly branch: string | null;
  readonly worktreePath: string;
}

export interface PreparedWorktree {
  /** Where the command runs: the worktree, or `subdir` inside it. */
  readonly cwd: string;
  readonly fields: WorktreeFields;
  /** Removes the worktree (or, with `keep`, leaves it for the user). Never throws; says what it did in the log. */
  release(): Promise<void>;
}

type Log = (line: string) => void;

/**
 * Makes the job's own checkout: a git worktree of the repository at the ref (fetched through a
 * mirror for a URL), with `worktree.copy` files and `worktree.setup` commands of the repository's
 * kingly.config.json applied. Throws WorktreeError (a SpawnError) with git's words when it cannot,
 * and then leaves nothing behind.
 */
export async function prepareWorktree(jobId: string, spec: WorktreeSpec, log: Log, options: PrepareWorktreeOptions): Promise<PreparedWorktree> {
  if (!isSafeJobId(jobId)) throw new WorktreeError(WorktreeErrorCodes.BAD_JOB_ID, `job id '${jobId}' cannot name a directory`);
  let marked: string | undefined;
  let meta: WorktreeMeta | undefined;
  try {
    const repo = await resolveRepository(spec.repo, options.home);
    if (repo.url) await mkdir(mirrorsRoot(options.home), { recursive: true });
    const worktreePath = worktreePathFor(options.home, repo.id, jobId);
    if (isActive(worktreePath)) throw new WorktreeError(WorktreeErrorCodes.BAD_JOB_ID, `job ${jobId} already has a worktree in use on this worker`);
    markActive(worktreePath);
    marked = worktreePath;
    meta = await addWorktree(
      { repo, jobId, worktreePath, ref: spec.ref, branch: spec.branch, keep: spec.keep === true, requestedAt: options.requestedAt ?? Date.now() },
      log,
      options.lock,
    );
    await checkoutWorktree(meta);
    const what = spec.branch ? `branch '${spec.branch}' (${meta.branchCreated ? 'new' : 'existing'})` : 'detached';
    log(`[kingly] worktree ${worktreePath}: ${repo.display} at ${meta.baseCommit.slice(0, 12)} (${spec.ref ?? 'HEAD'}), ${what}`);

    const config = await readWorktreeConfig(repo.mainCheckout, worktreePath);
    await copyIntoWorktree(repo.mainCheckout, worktreePath, config.copy ?? [], log);
    const reused = await reuseFromMainCheckout(repo.mainCheckout, worktreePath, config.reuse ?? [], log);
    if (!reused) {
      const setup = typeof config.setup === 'string' ? [config.setup] : (config.setup ?? []);
      // KINGLY_MAIN_CHECKOUT is left out for a clone URL: the worker's mirror has no checkout.
      const env = { ...options.env, KINGLY_JOB_ID: jobId, KINGLY_WORKTREE: worktreePath, ...(repo.mainCheckout ? { KINGLY_MAIN_CHECKOUT: repo.mainCheckout } : {}) };
      await runSetup(setup, worktreePath, env, log, options.onProcess);
    }

    const cwd = spec.subdir ? join(worktreePath, spec.subdir) : worktreePath;
    if (!(await stat(cwd).then((s) => s.isDirectory(), () => false))) {
      throw new WorktreeError(WorktreeErrorCodes.BAD_SUBDIR, `${spec.subdir} is not a directory in ${repo.display} at ${meta.baseCommit.slice(0, 12)}`);
    }
    const fields: WorktreeFields = { repo: repo.display, ref: spec.ref ?? 'HEAD', commit: meta.baseCommit, branch: spec.branch ?? null, worktreePath };
    // What kingly itself put there is not the job's change.
    const placed = [...(config.copy ?? []), ...(reused ? (config.reuse ?? []) : [])];
    return { cwd, fields, release: once(() => release(meta!, placed, log, options.lock)) };
  } catch (error) {
    if (meta) await removeWorktree(meta, log, options.lock).catch((e: unknown) => log(`[kingly] could not remove ${meta!.worktreePath}: ${gitMessage(e)}`));
    if (marked) unmarkActive(marked);
    if (error instanceof SpawnError) throw error;
    throw new WorktreeError(WorktreeErrorCodes.GIT_FAILED, `cannot make the worktree: ${(error as Error).message}`, { cause: error });
  }
}

async function release(meta: WorktreeMeta, placed: readonly string[], log: Log, lock: RepoLockOptions | undefined): Promise<void> {
  try {
    if (meta.keep) {
      await runGit(meta.gitDir, ['worktree', 'unlock', meta.worktreePath]).catch(() => {
        /* not locked (or already gone): nothing to unlock */
      });
      log(`[kingly] worktree kept at ${meta.worktreePath} (remove it with: git -C ${meta.gitDir} worktree remove --force ${meta.worktreePath})`);
      return;
    }
    const count = await uncommittedChanges(meta.worktreePath, placed);
    if (count > 0) log(`[kingly] discarding ${count} uncommitted change(s) in the worktree (keep it with keep: true / --keep-worktree)`);
    await removeWorktree(meta, log, lock);
    log(`[kingly] worktree ${meta.worktreePath} removed`);
  } catch (error) {
    log(`[kingly] could not remove the worktree ${meta.worktreePath}: ${gitMessage(error)}; the worker's cleanup will try again`);
  } finally {
    unmarkActive(meta.worktreePath);
  }
}

/**
 * Changes `git status` sees in the worktree, not counting `placed` (what copy and reuse put there):
 * git sees each reuse link as an untracked file, since a `node_modules/` ignore rule matches
 * directories, not symlinks.
 */
export async function uncommittedChanges(worktreePath: string, placed: readonly string[]): Promise<number> {
  const pathspec = placed.length > 0 ? ['--', '.', ...placed.map((path) => `:(exclude,literal)${path}`)] : [];
  const changes = await runGit(worktreePath, ['status', '--porcelain', ...pathspec]).catch(() => '');
  return changes === '' ? 0 : changes.split('\n').length;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
