import { CookieCache, snapshotJob } from './job-processes.js';
import type { ProcInfo } from './proc-table.js';

/** Sends a signal to a whole process group; a group that is gone already is not an error. */
export function signalGroup(pgid: number | null, signal: NodeJS.Signals): void {
  if (pgid === null) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    /* gone */
  }
}

/**
 * Signals every process of a job exactly once: its group with one kill(-pgid), then each process
 * outside that group (escaped with setsid, or in a group of its own) by pid. Signalling the group's
 * members by pid as well would deliver the signal twice whenever the first had been handled by
 * then, and to a program a second SIGINT means "force quit", not "finish up".
 */
function signalJob(pgid: number | null, procs: readonly ProcInfo[], signal: NodeJS.Signals): void {
  signalGroup(pgid, signal);
  for (const proc of procs) {
    if (pgid !== null && proc.pgid === pgid) continue;
    try {
      process.kill(proc.pid, signal);
    } catch {
      /* gone */
    }
  }
}

export interface KillJobOptions {
  /** First signal. @default "SIGTERM" */
  readonly signal?: NodeJS.Signals;
  /** How long the processes may take to exit before SIGKILL. @default 5000 */
  readonly graceMs?: number;
}

/** Polls until the job has no process left or the time is up; returns what is left. */
async function survivors(jobId: string, pgid: number | null, cookies: CookieCache, timeoutMs: number): Promise<ProcInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await snapshotJob(jobId, pgid, cookies);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Kills every process of a job: its group, its tree and the processes that escaped both but carry
 * its KINGLY_JOB_ID cookie. Signal first, SIGKILL after the grace period. Resolves with the
 * number of processes that could not be killed (0 unless they belong to another user). Pass a null
 * pgid when the group's leader may be gone and its pid reused: only the cookie is trusted then.
 */
export async function killJobProcesses(jobId: string, pgid: number | null, options: KillJobOptions = {}): Promise<number> {
  const signal = options.signal ?? 'SIGTERM';
  const cookies = new CookieCache();
  const first = await snapshotJob(jobId, pgid, cookies);
  signalJob(pgid, first, signal);
  if (first.length === 0) return 0;
  const left = signal === 'SIGKILL' ? first : await survivors(jobId, pgid, cookies, options.graceMs ?? 5000);
  if (left.length === 0) return 0;
  signalJob(pgid, left, 'SIGKILL');
  return (await survivors(jobId, pgid, cookies, 3000)).length;
}
