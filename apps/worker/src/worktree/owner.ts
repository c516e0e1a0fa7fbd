import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process, told apart from a later one that got the same pid (start time in clock ticks since boot). */
export interface ProcessOwner {
  readonly host: string;
  readonly pid: number;
  /** From /proc/<pid>/stat; null where there is no /proc. */
  readonly startTime: number | null;
}

/** Start time of a process from /proc, or null when it is gone or there is no /proc. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null;
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** This process. */
export const currentOwner = (): ProcessOwner => ({ host: hostname(), pid: process.pid, startTime: processStartTime(process.pid) });

/**
 * True when the owner is known to be gone: on this host, its pid is free or now belongs to a
 * process that started later. An owner on another host is never known dead here.
 */
export function isOwnerDead(owner: ProcessOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return owner.startTime !== null && owner.startTime !== processStartTime(process.pid);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return true;
  }
  // The pid is taken; by the owner only if it started at the same tick (null now: a zombie).
  if (owner.startTime === null) return false;
  return processStartTime(owner.pid) !== owner.startTime;
}

export function parseOwner(value: unknown): ProcessOwner | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.host !== 'string' || typeof o.pid !== 'number') return undefined;
  return { host: o.host, pid: o.pid, startTime: typeof o.startTime === 'number' ? o.startTime : null };
}
