import type { JobData } from '@kingly/cmd';
import { checkCwd } from './spawn.js';
import { prepareWorktree, type WorktreeFields } from './worktree/index.js';

/** Where a job runs, and how to give the place back when it ends. */
export interface Workspace {
  /** Directory the command runs in. */
  readonly cwd: string;
  /** For the job's record: repo, ref, commit, branch and worktreePath of a worktree job. @default undefined (not a worktree job) */
  readonly fields?: WorktreeFields;
  /** Called once the job's processes are gone, whatever the outcome. Never throws. */
  release(): Promise<void>;
}

/** Lines the workspace step wants in the job's log (setup output, git messages). */
export type WorkspaceLog = (line: string) => void;

/** What of the worker's options the workspace step needs. */
export interface WorkspaceOptions {
  /** KINGLY_HOME: worktrees and mirrors live under it. */
  readonly home: string;
}

/**
 * The job's working directory: a fresh git worktree when the job asks for one (removed again by
 * `release()` unless it asked to keep it), else its `cwd` (default: the worker's). Throws
 * SpawnError when the place cannot be made, so the job ends spawn-failed with the reason (git's
 * own words included) in its log.
 */
export async function prepareWorkspace(jobId: string, data: JobData, log: WorkspaceLog, options: WorkspaceOptions): Promise<Workspace> {
  if (data.worktree) {
    return prepareWorktree(jobId, data.worktree, log, { home: options.home, requestedAt: data.createdAt, env: data.env ?? {} });
  }
  const cwd = data.cwd ?? process.cwd();
  await checkCwd(cwd);
  return { cwd, release: async () => {} };
}
