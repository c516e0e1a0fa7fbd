import { stat } from 'node:fs/promises';
import { execa, type ResultPromise } from 'execa';
import type { JobSpec } from '@kingly/cmd';

export type SpawnedProcess = ResultPromise<{
  detached: true;
  buffer: false;
  encoding: 'buffer';
  stdin: 'ignore';
  reject: false;
}>;

/** Why a command could not start, in words for the job's log. */
export class SpawnError extends Error {}

/** Checks the working directory before spawning, so the error names it (Node would say "spawn sh ENOENT"). */
export async function checkCwd(cwd: string): Promise<void> {
  let info;
  try {
    info = await stat(cwd);
  } catch {
    throw new SpawnError(`working directory ${cwd} does not exist`);
  }
  if (!info.isDirectory()) throw new SpawnError(`working directory ${cwd} is not a directory`);
}

/**
 * Starts the job's command in a new session and process group (pgid = pid), with the job's
 * environment over the worker's plus KINGLY_JOB_ID, so every process of the job can be found.
 */
export function spawnCommand(jobId: string, spec: JobSpec, cwd: string, extraEnv: Record<string, string> = {}): SpawnedProcess {
  // '--' so a command that starts with a dash is not read as an option of sh.
  const [file, args] = spec.command !== undefined ? ['/bin/sh', ['-c', '--', spec.command]] : [spec.argv![0]!, spec.argv!.slice(1)];
  return spawnInGroup(file, args, cwd, { ...spec.env, ...extraEnv, KINGLY_JOB_ID: jobId });
}

/**
 * Starts a program in a new session and process group (pgid = pid), output as raw byte streams,
 * `env` over the worker's. Every process a job runs (its command, its worktree setup) starts here.
 */
export function spawnInGroup(file: string, args: readonly string[], cwd: string, env: Record<string, string>): SpawnedProcess {
  return execa(file, args, {
    cwd,
    env,
    extendEnv: true,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    encoding: 'buffer',
    reject: false,
    // The worker kills the whole group itself; execa's cleanup only knows the leader.
    cleanup: false,
  });
}
