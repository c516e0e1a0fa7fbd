import { hostname } from 'node:os';
import { accounting, type AccountingKind } from '../accounting/index.js';

/** A process, told apart from a later one that got the same pid (by its start time). */
export interface ProcessOwner {
  readonly host: string;
  readonly pid: number;
  /** From the accounting backend (processStartTime); null when it could not be read. */
  readonly startTime: number | null;
  /** Which backend measured startTime (their units differ). @default "proc" (owners written before there was a choice) */
  readonly clock?: AccountingKind;
}

/** Start time of a process (the accounting backend's unit), or null when it is gone. */
export const processStartTime = (pid: number): number | null => accounting().startTimeSync(pid);

/** This process. */
export const currentOwner = (): ProcessOwner => ({ host: hostname(), pid: process.pid, startTime: processStartTime(process.pid), clock: accounting().kind });

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
  // The pid is taken; by the owner only if it started at the same time (null now: a zombie). A
  // time another backend measured cannot be compared: the live pid is taken at its word.
  if (owner.startTime === null || (owner.clock ?? 'proc') !== accounting().kind) return false;
  return processStartTime(owner.pid) !== owner.startTime;
}

export function parseOwner(value: unknown): ProcessOwner | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.host !== 'string' || typeof o.pid !== 'number') return undefined;
  const clock = o.clock === 'ps' || o.clock === 'proc' ? o.clock : undefined;
  return { host: o.host, pid: o.pid, startTime: typeof o.startTime === 'number' ? o.startTime : null, ...(clock ? { clock } : {}) };
}
