import type { JobData } from '@kingly/cmd';
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
  /** Told each setup process's pid once it exists (see PrepareWorktreeOptions). @default none */
  readonly onProcess?: (pid: number) => void;
}

/** True when the job's place needs work before its command can start (a worktree). */
export const needsWorkspace = (data: JobData): boolean => data.worktree !== undefined;

/**
 * The job's working directory: a fresh git worktree when the job asks for one (removed again by
 * `release()` unless it asked to keep it), else its `cwd` (default: the worker's). Throws
 * SpawnError when the place cannot be made, so the job ends spawn-failed with the reason (git's
 * own words included) in its log.
 */
export async function prepareWorkspace(jobId: string, data: JobData, log: WorkspaceLog, options: WorkspaceOptions): Promise<Workspace> {
  if (data.worktree) {
    return prepareWorktree(jobId, data.worktree, log, { home: options.home, requestedAt: data.createdAt, env: data.env ?? {}, onProcess: options.onProcess });
  }
  // Not checked here: a missing cwd makes the spawn fail, and only then is it looked at (startProcess).
  return { cwd: data.cwd ?? process.cwd(), release: async () => {
      /* the job's own cwd: nothing to give back */
    },
  };
}
