import { stat } from 'node:fs/promises';
import type { JobSpec } from '@kingly/cmd';
import { sharedSpawner, type SpawnedProcess } from './spawner/spawner-client.js';

export type { SpawnedProcess } from './spawner/spawner-client.js';

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
 * Starts a program in a new session and process group (pgid = pid), stdin closed, output as raw
 * byte streams, `env` over the worker's. Every process a job runs (its command, its worktree
 * setup) starts here, through the spawner process (spawner/spawner-main.ts says why).
 *
 * Node's own spawn, not execa (DESIGN.md names execa): measured on `true`, execa's option and stdio
 * handling cost about 0.7 ms of CPU per spawn against under 0.2 ms for spawn itself, and kingly uses
 * none of what it adds (no buffering, no encoding, the worker kills whole groups itself).
 */
export function spawnInGroup(file: string, args: readonly string[], cwd: string, env: Record<string, string>): SpawnedProcess {
  return sharedSpawner().spawn(file, args, cwd, env);
}
