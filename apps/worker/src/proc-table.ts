// The worker's view of processes, through the accounting backend chosen at start (accounting/):
// Linux's /proc or `ps`. Nothing else in the worker reads /proc.
import { accounting, CPU_UNITS_PER_SECOND, type ProcInfo } from './accounting/index.js';

export type { ProcInfo } from './accounting/index.js';

/** Units of ProcInfo.cpuTicks per second of CPU time. */
export const CLOCK_TICKS = CPU_UNITS_PER_SECOND;

/** One process (zombies included, flagged), or undefined when it is gone. */
export const readProc = (pid: number): Promise<ProcInfo | undefined> => accounting().proc(pid);

/** Every live process now. */
export const readProcTable = (): Promise<ProcInfo[]> => accounting().table();

/**
 * Processes whose pid is above `pid` (every process started after it, if pids have not wrapped
 * since), but those `skip` names; `newest` lets the /proc backend open the pids between instead of
 * listing every process.
 */
export const readProcsAfter = (pid: number, skip: (pid: number) => boolean = () => false, newest?: number): Promise<ProcInfo[]> =>
  accounting().procsAfter(pid, skip, newest);

/** The pid the kernel handed out last, or undefined where the backend cannot tell. */
export const lastPid = (): number | undefined => accounting().lastPid();

let nextTable: Promise<ProcInfo[]> | undefined;

/**
 * A table read that starts after this call (never one begun earlier), shared by every caller of
 * the same turn of the event loop: jobs that end together cost one table read, not one each.
 */
export function freshProcTable(): Promise<ProcInfo[]> {
  nextTable ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    nextTable = undefined;
    return readProcTable();
  });
  return nextTable;
}

/** The environment variable that marks every process of a job, escaped ones included. */
export const JOB_MARKER = 'KINGLY_JOB_ID';

/** The job marker of each process, by pid (absent: unset or unreadable). */
export const readJobCookies = (pids: readonly number[]): Promise<Map<number, string>> => accounting().envMarkers(pids, JOB_MARKER);
