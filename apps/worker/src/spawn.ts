import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { JobSpec } from '@kingly/cmd';

/** A started process: stdin closed, stdout and stderr raw byte streams. */
export type SpawnedProcess = ChildProcessByStdio<null, Readable, Readable>;

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

let baseEnv: Record<string, string | undefined> | undefined;

/**
 * The worker's environment as it was at the first spawn, as a plain object: spreading process.env
 * crosses into C++ for every variable, about 0.2 ms per job. A worker never changes its own env.
 */
function workerEnv(): Record<string, string | undefined> {
  baseEnv ??= { ...process.env };
  return baseEnv;
}

/**
 * Starts a program in a new session and process group (pgid = pid), output as raw byte streams,
 * `env` over the worker's. Every process a job runs (its command, its worktree setup) starts here.
 *
 * Node's own spawn, not execa (DESIGN.md names execa): measured on `true`, execa's option and stdio
 * handling cost about 0.7 ms of CPU per spawn against under 0.2 ms for spawn itself, the largest
 * share of a short job's cost on the worker, and kingly uses none of what it adds (no buffering,
 * no encoding, reject: false, cleanup: false since the worker kills whole groups itself).
 */
export function spawnInGroup(file: string, args: readonly string[], cwd: string, env: Record<string, string>): SpawnedProcess {
  const child = spawn(file, args, {
    cwd,
    env: { ...workerEnv(), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Callers listen for the spawn failure; a later 'error' (none is expected) must not crash the worker.
  child.on('error', () => {});
  return child;
}
