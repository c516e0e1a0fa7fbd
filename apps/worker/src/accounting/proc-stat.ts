import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { arch, endianness } from 'node:os';
import { CPU_UNITS_PER_SECOND, type ProcInfo } from './types.js';

// auxv entry types (linux/auxvec.h).
const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/**
 * The page size and clock-tick rate the kernel gave this process (the ELF auxiliary vector), so RSS
 * is right on 16K/64K-page arm64 kernels. Falls back to 4096 and 100 where auxv cannot be read.
 */
function systemConstants(): { pageSize: number; clockTicks: number } {
  const found = { pageSize: 4096, clockTicks: 100 };
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const wide = !['arm', 'ia32', 'mips', 'mipsel', 'ppc'].includes(arch());
    const size = wide ? 8 : 4;
    const read = (at: number): number => {
      if (!wide) return endianness() === 'LE' ? auxv.readUInt32LE(at) : auxv.readUInt32BE(at);
      return Number(endianness() === 'LE' ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at));
    };
    for (let at = 0; at + 2 * size <= auxv.length; at += 2 * size) {
      const type = read(at);
      if (type === 0) break;
      if (type === AT_PAGESZ) found.pageSize = read(at + size);
      if (type === AT_CLKTCK) found.clockTicks = read(at + size);
    }
  } catch {
    /* no /proc: the defaults are only used with it anyway */
  }
  return found;
}

export const { pageSize: PAGE_SIZE, clockTicks: CLOCK_TICKS } = systemConstants();

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
    cpuTicks: ((Number(f[11]) + Number(f[12])) * CPU_UNITS_PER_SECOND) / CLOCK_TICKS,
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

/** One process from /proc/<pid>/stat (zombies included), or undefined when it is gone. */
export function readStat(pid: number): ProcInfo | undefined {
  const text = readStatText(pid);
  return text === undefined ? undefined : parseStat(pid, text);
}
