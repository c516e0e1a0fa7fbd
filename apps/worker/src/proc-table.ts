import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

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

/**
 * /proc is read with plain synchronous calls: /proc/<pid>/stat is one short line, read into one
 * reused buffer. Through fs/promises the same read costs about eight times the CPU (open, fstat,
 * read and close each a thread-pool trip, and a fresh buffer), and the table is read on every job's
 * exit, so that cost was a large part of a short job's run.
 */
const statBuffer = Buffer.allocUnsafe(4096);

function readStatText(pid: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
    const n = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return n < statBuffer.length ? statBuffer.toString('latin1', 0, n) : readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export async function readProc(pid: number): Promise<ProcInfo | undefined> {
  const text = readStatText(pid);
  return text === undefined ? undefined : parseStat(pid, text);
}

/** A process that exists and is not a zombie, as its stat line says; otherwise undefined. */
function liveProc(pid: number): ProcInfo | undefined {
  const text = readStatText(pid);
  const info = text === undefined ? undefined : parseStat(pid, text);
  return info === undefined || info.zombie ? undefined : info;
}

/** A /proc entry named by a pid (its name starts with a digit). */
const isPidEntry = (entry: string): boolean => {
  const c = entry.charCodeAt(0);
  return c >= 48 && c <= 57;
};

/** Processes read between two turns of the event loop, so a huge table never blocks it for long. */
const TABLE_CHUNK = 256;

/** Every process visible now. One readdir and one small read per process. */
export async function readProcTable(): Promise<ProcInfo[]> {
  const entries = readdirSync('/proc');
  const infos: ProcInfo[] = [];
  let read = 0;
  for (const entry of entries) {
    if (!isPidEntry(entry)) continue;
    if (++read % TABLE_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
    const info = liveProc(Number(entry));
    if (info !== undefined) infos.push(info);
  }
  return infos;
}

/** Up to this many pids above the leader's, opening each /proc/<pid>/stat beats listing /proc. */
const PROBE_LIMIT = 64;

/**
 * Processes whose pid is above `pid` (every process started after it, if pids have not wrapped
 * since), but those `skip` names. With `newest` (the last pid handed out) close above `pid`, each
 * pid between is opened instead of listing /proc; that also reaches threads of those processes,
 * which share their pgid, session and environment, so a job's processes are found the same.
 */
export function readProcsAfter(pid: number, skip: (pid: number) => boolean = () => false, newest?: number): ProcInfo[] {
  const infos: ProcInfo[] = [];
  const add = (n: number): void => {
    const info = skip(n) ? undefined : liveProc(n);
    if (info !== undefined) infos.push(info);
  };
  if (newest !== undefined && newest >= pid && newest - pid <= PROBE_LIMIT) {
    for (let n = pid + 1; n <= newest; n += 1) add(n);
    return infos;
  }
  for (const entry of readdirSync('/proc')) {
    if (!isPidEntry(entry)) continue;
    const n = Number(entry);
    if (n > pid) add(n);
  }
  return infos;
}

/** The pid the kernel handed out last (/proc/loadavg), or undefined where that cannot be read. */
export function lastPid(): number | undefined {
  try {
    const value = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ').at(-1));
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

let nextTable: Promise<ProcInfo[]> | undefined;

/**
 * A table read that starts after this call (never one begun earlier), shared by every caller of
 * the same turn of the event loop: jobs that end together cost one pass over /proc, not one each.
 */
export function freshProcTable(): Promise<ProcInfo[]> {
  nextTable ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    nextTable = undefined;
    return readProcTable();
  });
  return nextTable;
}

/** The value of KINGLY_JOB_ID in a process's environment, if any (unreadable → undefined). */
export async function readJobCookie(pid: number): Promise<string | undefined> {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    const at = environ.indexOf('KINGLY_JOB_ID=');
    if (at === -1 || (at > 0 && environ[at - 1] !== '\0')) return undefined;
    const end = environ.indexOf('\0', at);
    return environ.slice(at + 'KINGLY_JOB_ID='.length, end === -1 ? undefined : end);
  } catch {
    return undefined;
  }
}
