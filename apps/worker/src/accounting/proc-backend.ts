import { readdirSync, readFileSync } from 'node:fs';
import { readStat } from './proc-stat.js';
import type { ProcessAccounting, ProcInfo } from './types.js';

/** A process that exists and is not a zombie, as its stat line says; otherwise undefined. */
function liveProc(pid: number): ProcInfo | undefined {
  const info = readStat(pid);
  return info === undefined || info.zombie ? undefined : info;
}

/** A /proc entry named by a pid (its name starts with a digit). */
const isPidEntry = (entry: string): boolean => {
  const c = entry.charCodeAt(0);
  return c >= 48 && c <= 57;
};

/** Processes read between two turns of the event loop, so a huge table never blocks it for long. */
const TABLE_CHUNK = 256;

/** Up to this many pids above the leader's, opening each /proc/<pid>/stat beats listing /proc. */
const PROBE_LIMIT = 64;

/** The value of `name` in a process's environment (/proc/<pid>/environ), if readable and set. */
function envMarker(pid: number, name: string): string | undefined {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    const at = environ.indexOf(`${name}=`);
    if (at === -1 || (at > 0 && environ[at - 1] !== '\0')) return undefined;
    const end = environ.indexOf('\0', at);
    return environ.slice(at + name.length + 1, end === -1 ? undefined : end);
  } catch {
    return undefined;
  }
}

/** Linux: reads /proc directly (one small synchronous read per process). */
export const procAccounting: ProcessAccounting = {
  kind: 'proc',

  async table() {
    const infos: ProcInfo[] = [];
    let read = 0;
    for (const entry of readdirSync('/proc')) {
      if (!isPidEntry(entry)) continue;
      if (++read % TABLE_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
      const info = liveProc(Number(entry));
      if (info !== undefined) infos.push(info);
    }
    return infos;
  },

  proc(pid) {
    return Promise.resolve(readStat(pid));
  },

  // With `newest` close above `pid`, each pid between is opened instead of listing /proc; that also
  // reaches threads of those processes, which share their pgid, session and environment, so a
  // job's processes are found the same.
  procsAfter(pid, skip, newest) {
    const infos: ProcInfo[] = [];
    const add = (n: number): void => {
      const info = skip(n) ? undefined : liveProc(n);
      if (info !== undefined) infos.push(info);
    };
    if (newest !== undefined && newest >= pid && newest - pid <= PROBE_LIMIT) {
      for (let n = pid + 1; n <= newest; n += 1) add(n);
    } else {
      for (const entry of readdirSync('/proc')) if (isPidEntry(entry) && Number(entry) > pid) add(Number(entry));
    }
    return Promise.resolve(infos);
  },

  lastPid() {
    try {
      const value = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ').at(-1));
      return Number.isInteger(value) ? value : undefined;
    } catch {
      return undefined;
    }
  },

  envMarkers(pids, name) {
    const found = new Map<number, string>();
    for (const pid of pids) {
      const value = envMarker(pid, name);
      if (value !== undefined) found.set(pid, value);
    }
    return Promise.resolve(found);
  },

  startTimeSync(pid) {
    const info = readStat(pid);
    return info === undefined || info.zombie ? null : info.startTime;
  },
};
