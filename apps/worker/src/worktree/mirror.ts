import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { redactRepo } from '@kingly/cmd';
import { WorktreeError, WorktreeErrorCodes } from './errors.js';
import { gitMessage, runGit } from './git.js';
import type { Repository } from './repository.js';

// Remote branches land in refs/remotes/origin/*, so the mirror's own refs/heads/* stay free for
// job branches (a fetch never overwrites a branch a worktree has checked out).
const FETCH_REFSPECS = ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*', '+HEAD:refs/remotes/origin/HEAD'];

// Start time of the last fetch that succeeded, per mirror: a job asked for after it began needs its own.
const lastFetchStarted = new Map<string, number>();

/**
 * Makes the mirror of a URL repository, or brings it up to date: a fetch that started after the
 * job was asked for (`requestedAt`) is enough, so jobs queued together share one. Call it
 * holding the repository lock. A first clone is made aside and moved in place when complete.
 */
export async function syncMirror(repo: Repository, requestedAt: number, log: (line: string) => void): Promise<void> {
  const url = repo.url!;
  const dir = repo.gitDir;
  const exists = await stat(join(dir, 'HEAD')).then(() => true, () => false);
  if (exists && (lastFetchStarted.get(dir) ?? 0) >= requestedAt) return;
  const started = Date.now();
  if (!exists) {
    log(`[kingly] mirroring ${repo.display} into ${dir}`);
    await createMirror(repo);
  } else {
    log(`[kingly] fetching ${repo.display} into the mirror`);
    await git(dir, ['remote', 'set-url', 'origin', url], repo);
    await git(dir, ['fetch', '--prune', '--force', '--quiet', 'origin', ...FETCH_REFSPECS], repo, true);
  }
  lastFetchStarted.set(dir, started);
}

async function createMirror(repo: Repository): Promise<void> {
  const dir = repo.gitDir;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  // Leftovers of a first clone a crash interrupted (the lock is ours, so nobody is making one).
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(`${basename(dir)}.tmp-`)) await rm(join(parent, entry), { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp);
  try {
    await git(tmp, ['init', '--bare', '--quiet'], repo);
    await git(tmp, ['remote', 'add', 'origin', '--', repo.url!], repo);
    await git(tmp, ['fetch', '--prune', '--force', '--quiet', 'origin', ...FETCH_REFSPECS], repo, true);
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

async function git(dir: string, args: string[], repo: Repository, network = false): Promise<void> {
  try {
    await runGit(dir, args, { network });
  } catch (error) {
    // Git's words, with the URL's credentials hidden.
    const message = redactRepo(gitMessage(error).split(repo.url!).join(repo.display));
    throw new WorktreeError(WorktreeErrorCodes.GIT_FAILED, `cannot ${args[0]} ${repo.display}: ${message}`);
  }
}
