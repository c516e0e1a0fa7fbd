import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { isRepoUrl, redactRepo } from '@kingly/cmd';
import { WorktreeError, WorktreeErrorCodes } from './errors.js';
import { gitMessage, runGit } from './git.js';
import { localLockPathFor, mirrorLockPathFor, mirrorPathFor, repoIdFor } from './paths.js';

/** A repository jobs make worktrees of, as one worker sees it. */
export interface Repository {
  /** As the job gave it, credentials hidden: for logs and the record. */
  readonly display: string;
  /** Names its directory under `<home>/worktrees`. */
  readonly id: string;
  /** Where HEAD is read: the path the job gave, or the mirror. */
  readonly gitCwd: string;
  /** The common git directory that every worktree of the repository shares; other git commands run there. */
  readonly gitDir: string;
  /** Serializes worktree add/remove (and mirror fetches) on this repository. */
  readonly lockPath: string;
  /** The checkout `copy` takes files from and kingly.config.json is read from; undefined for a mirror or a bare repository. */
  readonly mainCheckout: string | undefined;
  /** The clone URL, when the worker works from its own mirror. */
  readonly url: string | undefined;
}

/** Finds the repository a job names: a path on this machine, or a URL served from a mirror under `home`. */
export async function resolveRepository(repo: string, home: string): Promise<Repository> {
  return isRepoUrl(repo) ? mirroredRepository(repo, home) : localRepository(repo);
}

function mirroredRepository(url: string, home: string): Repository {
  // Credentials do not name the mirror: a rotated token keeps using the same one.
  const key = redactRepo(url).replace(/\/+$/, '');
  const id = repoIdFor(key.replace(/^.*[/:]/, ''), key);
  const gitDir = mirrorPathFor(home, id);
  return { display: redactRepo(url), id, gitCwd: gitDir, gitDir, lockPath: mirrorLockPathFor(home, id), mainCheckout: undefined, url };
}

async function localRepository(path: string): Promise<Repository> {
  const notRepo = (why: string): WorktreeError =>
    new WorktreeError(WorktreeErrorCodes.NOT_A_REPOSITORY, `${path} is not a git repository on this worker (${why})`);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw notRepo('no such directory');
  if (!info.isDirectory()) throw notRepo('not a directory');
  let commonDir: string;
  let bare: boolean;
  try {
    const out = await runGit(path, ['rev-parse', '--git-common-dir', '--is-bare-repository']);
    const [dir, isBare] = out.split('\n');
    commonDir = await realpath(resolve(path, dir!));
    bare = isBare === 'true';
  } catch (error) {
    throw notRepo(`git: ${gitMessage(error)}`);
  }
  let mainCheckout: string | undefined;
  if (!bare) {
    try {
      mainCheckout = await runGit(path, ['rev-parse', '--show-toplevel']);
    } catch {
      mainCheckout = undefined; // inside a .git directory: no checkout to copy from
    }
  }
  const name = basename(commonDir) === '.git' ? basename(dirname(commonDir)) : basename(commonDir);
  return {
    display: path,
    id: repoIdFor(name, commonDir),
    gitCwd: path,
    gitDir: commonDir,
    lockPath: localLockPathFor(commonDir),
    mainCheckout,
    url: undefined,
  };
}
