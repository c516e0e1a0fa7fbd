import type { KinglyClient } from '../client/kingly-client.js';
import { badInput } from '../errors.js';
import type { JobSpec } from '../schemas/job-spec.js';
import { clientOr } from './default-client.js';
import { processHandle, type ProcessHandle } from './process-handle.js';

/** A job spec without its command, plus where to send it. */
export interface SpawnProcessOptions extends Omit<JobSpec, 'command' | 'argv' | 'cwd'> {
  /** Absolute working directory on the worker's machine; not with `worktree`. @default process.cwd() of the caller (as the CLI does), none with `worktree` */
  readonly cwd?: string;
  /** Queue to put the job on. @default the client's queue */
  readonly queue?: string;
  /** Client to enqueue through. @default the default client (see processManager) */
  readonly client?: KinglyClient;
}

/**
 * Runs a command through kingly and returns its handle. A string runs with `sh -c`; an array is
 * a program and its arguments, run without a shell. The spec is validated as `client.enqueue`
 * does (E_BAD_INPUT naming the field).
 */
export async function spawnProcess(command: string | readonly string[], options: SpawnProcessOptions = {}): Promise<ProcessHandle> {
  const { client: given, queue, cwd, ...spec } = options;
  const client = clientOr(given);
  let run: Pick<JobSpec, 'command' | 'argv'>;
  if (typeof command === 'string') run = { command };
  else if (Array.isArray(command)) run = { argv: [...(command as readonly string[])] };
  else throw badInput(`command must be a string (run by sh -c) or an array of strings (argv), got ${typeof command}`);
  // A worktree job runs in its checkout; cwd and worktree together are refused by the spec.
  const where = spec.worktree !== undefined ? (cwd !== undefined ? { cwd } : {}) : { cwd: cwd ?? process.cwd() };
  const { id } = await client.enqueue({ ...spec, ...run, ...where }, queue !== undefined ? { queue } : undefined);
  return processHandle(client, id);
}
