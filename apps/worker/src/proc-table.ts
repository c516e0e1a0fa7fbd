import { readdir, readFile } from 'node:fs/promises';

/** One process as /proc/<pid>/stat describes it. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Clock ticks since boot when it started: with the pid, identifies a process for good. */
  readonly startTime: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  readonly rssBytes: number;
  readonly zombie: boolean;
}

/** Clock ticks per second and page size; Linux uses 100 and 4096 on every platform Node runs. */
export const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(pid: number, text: string): ProcInfo | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const f = text.slice(close + 2).split(' ');
  // Fields from index 0 = state (field 3 of proc(5)).
  return {
    pid,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTime: Number(f[19]),
    rssBytes: Number(f[21]) * PAGE_SIZE,
    zombie: f[0] === 'Z',
  };
}

export async function readProc(pid: number): Promise<ProcInfo | undefined> {
  try {
    return parseStat(pid, await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process visible now. One readdir and one small read per process. */
export async function readProcTable(): Promise<ProcInfo[]> {
  const entries = await readdir('/proc');
  const pids = entries.filter((e) => e.charCodeAt(0) >= 48 && e.charCodeAt(0) <= 57).map(Number);
  const infos = await Promise.all(pids.map((pid) => readProc(pid)));
  return infos.filter((p): p is ProcInfo => p !== undefined && !p.zombie);
}

/** The value of KINGLY_JOB_ID in a process's environment, if any (unreadable → undefined). */
export async function readJobCookie(pid: number): Promise<string | undefined> {
  try {
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
    const at = environ.indexOf('KINGLY_JOB_ID=');
    if (at === -1 || (at > 0 && environ[at - 1] !== '\0')) return undefined;
    const end = environ.indexOf('\0', at);
    return environ.slice(at + 'KINGLY_JOB_ID='.length, end === -1 ? undefined : end);
  } catch {
    return undefined;
  }
}
