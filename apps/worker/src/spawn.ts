import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { JobSpec } from '@kingly/cmd';

/** Why a command could not start, in words for the job's log. */
export class SpawnError extends Error {}

/** A started process: no stdin, stdout and stderr as raw byte streams. */
export type SpawnedProcess = ChildProcessByStdio<null, Readable, Readable>;

/**
 * The longest single argument or environment string Linux takes with 4 KiB pages (MAX_ARG_STRLEN,
 * 32 pages): exec fails with E2BIG past it, whatever the total. Used only to explain an E2BIG.
 */
const MAX_ARG_BYTES = 128 * 1024;

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
 * Throws SpawnError when the command cannot be handed to the kernel.
 */
export function spawnCommand(jobId: string, spec: JobSpec, cwd: string, extraEnv: Record<string, string> = {}): SpawnedProcess {
  const env = { ...spec.env, ...extraEnv, KINGLY_JOB_ID: jobId };
  // '--' so a command that starts with a dash is not read as an option of sh.
  if (spec.command !== undefined) return spawnInGroup('/bin/sh', ['-c', '--', spec.command], cwd, env, ['the command']);
  return spawnInGroup(spec.argv![0]!, spec.argv!.slice(1), cwd, env, spec.argv!.slice(1).map((_, i) => `argv[${i + 1}]`));
}

/** The worker's environment, copied once (not per spawn). */
const baseEnv = { ...process.env };

/** Leaders started here that have not exited: other jobs' running commands and setup steps. */
const running = new Set<number>();

/**
 * Whether `pid` is a process this worker process started (a job's leader, or a setup step such as
 * git) and that has not exited yet: it is no one's leftover.
 */
export function isRunningSpawn(pid: number): boolean {
  return running.has(pid);
}

/**
 * Starts a program in a new session and process group (pgid = pid), stdin closed, output as raw
 * byte streams, `env` over the worker's. Every process a job runs (its command, its worktree
 * setup) starts here. A start the kernel refuses at once (a NUL byte, E2BIG) throws SpawnError
 * naming the cause; a missing program or cwd comes as an 'error' event, as from Node.
 *
 * Node's own spawn, not execa: execa's option and stdio handling cost about 0.7 ms of CPU per
 * spawn against under 0.2 ms for spawn itself, and kingly uses none of what it adds. From the
 * worker itself, not a helper process: see "Spawning from the worker" in docs/benchmarks.md.
 */
export function spawnInGroup(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
  /** How to name the last arguments in an error (the command of `sh -c`), else "argument N". */
  argNames: readonly string[] = [],
): SpawnedProcess {
  const nameOf = (i: number): string => argNames[i - (args.length - argNames.length)] ?? `argument ${i + 1}`;
  const strings: Array<[string, string]> = [
    ['the program', file],
    ['the working directory', cwd],
    ...args.map((arg, i): [string, string] => [nameOf(i), arg]),
    ...Object.entries(env).map(([name, value]): [string, string] => [`environment variable ${name}`, `${name}=${value}`]),
  ];
  // Node would throw too, quoting the value (an env value may be a secret): name where, not what.
  const withNul = strings.find(([, value]) => value.includes('\0'));
  if (withNul) throw new SpawnError(`${withNul[0]} contains a NUL byte, which no program argument or environment string can hold`);
  let child: SpawnedProcess;
  try {
    child = spawn(file, args, { cwd, env: { ...baseEnv, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'E2BIG') throw new SpawnError(tooLong(strings));
    throw new SpawnError(`the command could not be started (${code ?? (error as Error).name})`);
  }
  const pid = child.pid;
  if (pid !== undefined) {
    running.add(pid);
    child.once('exit', () => running.delete(pid));
  }
  return child;
}

/** Says which string made exec fail with E2BIG: one over the per-string limit, or all of them together. */
function tooLong(strings: ReadonlyArray<[string, string]>): string {
  for (const [what, value] of strings) {
    // A UTF-16 unit is at most 3 UTF-8 bytes: only strings that could be over are measured.
    if (value.length * 3 < MAX_ARG_BYTES) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes >= MAX_ARG_BYTES) return `argument too long (E2BIG): ${what} is ${bytes} bytes; the kernel takes at most ${MAX_ARG_BYTES - 1} bytes in one argument or environment string`;
  }
  return "argument list too long (E2BIG): the arguments and environment together pass the kernel's limit (getconf ARG_MAX)";
}
