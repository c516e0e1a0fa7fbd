import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { parseOwner, type ProcessOwner } from './owner.js';
import { metaPathFor } from './paths.js';

/**
 * What is kept beside a job's worktree, written before git makes it: enough for any worker on
 * the host to undo it after a crash (which repository, which branch was made, whether to keep).
 */
export interface WorktreeMeta {
  readonly jobId: string;
  readonly worktreePath: string;
  /** Repository as the job gave it, credentials hidden. */
  readonly repo: string;
  /** The repository's common git directory (git commands about its worktrees run there). */
  readonly gitDir: string;
  readonly lockPath: string;
  readonly branch: string | null;
  /** The job's worktree made the branch (so it goes again when no commits were added). */
  readonly branchCreated: boolean;
  /** The sha checked out. */
  readonly baseCommit: string;
  readonly keep: boolean;
  /** The worker process that made it. */
  readonly owner: ProcessOwner;
  readonly createdAt: string;
}

export async function writeMeta(meta: WorktreeMeta): Promise<void> {
  const path = metaPathFor(meta.worktreePath);
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(meta, null, 2)}\n`);
  await rename(tmp, path);
}

/** The record of a worktree, or undefined when there is none (or it cannot be read). */
export async function readMeta(worktreePath: string): Promise<WorktreeMeta | undefined> {
  let value: Partial<WorktreeMeta>;
  try {
    value = JSON.parse(await readFile(metaPathFor(worktreePath), 'utf8')) as Partial<WorktreeMeta>;
  } catch {
    return undefined;
  }
  const owner = parseOwner(value.owner);
  const strings = [value.jobId, value.worktreePath, value.repo, value.gitDir, value.lockPath, value.baseCommit];
  if (!owner || strings.some((s) => typeof s !== 'string')) return undefined;
  return { ...(value as WorktreeMeta), owner, branch: value.branch ?? null, branchCreated: value.branchCreated === true, keep: value.keep === true };
}

export const removeMeta = (worktreePath: string): Promise<void> => rm(metaPathFor(worktreePath), { force: true });
