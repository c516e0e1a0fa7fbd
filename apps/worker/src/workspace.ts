import type { JobData } from '@kingly/cmd';
import { checkCwd } from './spawn.js';

/** Where a job runs, and how to give the place back when it ends. */
export interface Workspace {
  /** Directory the command runs in. */
  readonly cwd: string;
  /** Called once the job's processes are gone, whatever the outcome. */
  release(): Promise<void>;
}

/** Lines the workspace step wants in the job's log (setup output, git messages). */
export type WorkspaceLog = (line: string) => void;

/**
 * The job's working directory: its `cwd` (default: the worker's). Throws SpawnError when the
 * place cannot be made, so the job ends spawn-failed with the reason in its log.
 */
export async function prepareWorkspace(_jobId: string, data: JobData, _log: WorkspaceLog): Promise<Workspace> {
  const cwd = data.cwd ?? process.cwd();
  await checkCwd(cwd);
  return { cwd, release: async () => {} };
}
