import { readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isActive } from './active.js';
import { gitMessage, runGit } from './git.js';
import { readMeta, removeMeta, type WorktreeMeta } from './job-meta.js';
import { isOwnerDead } from './owner.js';
import { lockPathForGitDir, worktreesRoot } from './paths.js';
import { removeWorktreeLocked, unlockEntriesOf } from './remove-worktree.js';
import { withRepoLock, type RepoLockOptions } from './repo-lock.js';

/** A record being written is renamed in place within milliseconds; a temporary file this old was left by a crash. */
const STALE_TMP_MS = 60_000;

export interface CleanupWorktreesOptions {
  /** KINGLY_HOME whose `worktrees` directory is looked through. */
  readonly home: string;
  /** Whether the job has ended (any terminal state). A job that cannot be found counts as not ended. */
  readonly isJobFinished: (jobId: string) => Promise<boolean>;
  /** Lines saying what was removed and what could not be. @default nowhere */
  readonly log?: (line: string) => void;
  /** Waiting for a repository's lock. @default see RepoLockOptions */
  readonly lock?: RepoLockOptions;
}

export interface CleanupReport {
  /** Worktree directories removed. */
  readonly removed: string[];
  /** Worktrees that should have gone but could not, with why. */
  readonly failed: string[];
}

/**
 * Removes the worktrees under `<home>/worktrees` whose job has ended or whose worker process is
 * dead (a crash), unless the job asked to keep it; drops git's entries for them (stale `locked`
 * files included) and the branches they made and left unused. Worktrees this process is using,
 * and those of live workers' running jobs, are left alone. Each removal is decided again under
 * the repository lock, so a new attempt of the job that took the place meanwhile is safe.
 */
export async function cleanupWorktrees(options: CleanupWorktreesOptions): Promise<CleanupReport> {
  const log =
    options.log ??
    (() => {
      /* no log: nowhere to say it */
    });
  const root = worktreesRoot(options.home);
  const removed: string[] = [];
  const failed: string[] = [];
  for (const repoDir of await listDirs(root)) {
    const dir = join(root, repoDir);
    const names = await readdir(dir).catch(() => [] as string[]);
    // Half-written records of a crash (a record is written aside and renamed in place).
    for (const name of names.filter((n) => n.endsWith('.tmp'))) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_TMP_MS) await rm(join(dir, name), { force: true });
    }
    const jobIds = new Set(names.filter((n) => !n.endsWith('.tmp')).map((n) => n.replace(/\.json$/, '')));
    for (const jobId of jobIds) {
      const path = join(dir, jobId);
      if (isActive(path)) continue;
      try {
        if (await cleanupOne(path, jobId, options, log)) removed.push(path);
      } catch (error) {
        failed.push(`${path}: ${gitMessage(error)}`);
        log(`[kingly] cleanup: could not remove ${path}: ${gitMessage(error)}`);
      }
    }
    await rmdir(dir).catch(() => {
      /* only once empty: other worktrees still there */
    });
  }
  return { removed, failed };
}

async function cleanupOne(path: string, jobId: string, options: CleanupWorktreesOptions, log: (line: string) => void): Promise<boolean> {
  const meta = await readMeta(path);
  if (!meta) return cleanupUnrecorded(path, jobId, options, log);
  const exists = await stat(path).then(() => true, () => false);
  if (meta.keep) {
    if (exists) return false;
    // The user removed a kept worktree: forget it.
    await withRepoLock(meta.lockPath, () => forgetKept(meta), options.lock);
    return false;
  }
  if (!isOwnerDead(meta.owner) && !(await options.isJobFinished(jobId))) return false;
  return withRepoLock(
    meta.lockPath,
    async () => {
      const current = await readMeta(path);
      if (isActive(path) || !current || current.createdAt !== meta.createdAt || current.owner.pid !== meta.owner.pid) return false;
      await removeWorktreeLocked(current, log);
      log(`[kingly] cleanup: removed the worktree of job ${jobId} (${path})`);
      return true;
    },
    options.lock,
  );
}

async function forgetKept(meta: WorktreeMeta): Promise<void> {
  await unlockEntriesOf(meta.gitDir, meta.worktreePath);
  await runGit(meta.gitDir, ['worktree', 'prune']).catch(() => {
    /* best effort: git prunes stale entries itself on later worktree commands */
  });
  await removeMeta(meta.worktreePath);
}

/** A directory without kingly's record beside it: removed once its job has ended, with git's entry when it has one. */
async function cleanupUnrecorded(path: string, jobId: string, options: CleanupWorktreesOptions, log: (line: string) => void): Promise<boolean> {
  if (!(await stat(path).then(() => true, () => false))) return false;
  if (!(await options.isJobFinished(jobId))) return false;
  const pointer = await readFile(join(path, '.git'), 'utf8').catch(() => '');
  const adminDir = /^gitdir: (.+)$/m.exec(pointer)?.[1]?.trim();
  if (!adminDir) {
    await rm(path, { recursive: true, force: true });
    return true;
  }
  const gitDir = dirname(dirname(resolve(path, adminDir)));
  await withRepoLock(
    lockPathForGitDir(options.home, gitDir),
    async () => {
      await runGit(gitDir, ['worktree', 'remove', '--force', '--force', path]).catch(() => {
        /* git may not know it (half-made, or pruned): the rm below removes it either way */
      });
      await rm(path, { recursive: true, force: true });
      await unlockEntriesOf(gitDir, path);
      await runGit(gitDir, ['worktree', 'prune']).catch(() => {
        /* best effort: git prunes stale entries itself on later worktree commands */
      });
    },
    options.lock,
  );
  log(`[kingly] cleanup: removed ${path}, left by job ${jobId}`);
  return true;
}

async function listDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}
