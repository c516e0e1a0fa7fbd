import { constants } from 'node:os';

/** How a run ended: a type, never a message to parse. */
export type Outcome =
  | { readonly state: 'succeeded'; readonly exitCode: 0 }
  | { readonly state: 'failed'; readonly exitCode: number; readonly signal?: string | null }
  | { readonly state: 'cancelled'; readonly signal: string | null; readonly reason?: string }
  | { readonly state: 'timed-out'; readonly signal: string | null; readonly reason: string }
  | { readonly state: 'memory-limit'; readonly signal: string | null; readonly reason: string }
  | { readonly state: 'spawn-failed'; readonly reason: string }
  | { readonly state: 'worker-lost'; readonly reason: string };

/**
 * Exit code a CLI reports for a finished job: the job's own code, 128+n for signal n,
 * 1 for any other non-success.
 */
export function exitCodeFor(record: {
  state: string;
  exitCode: number | null;
  signal: string | null;
}): number {
  if (record.state === 'succeeded') return 0;
  if (record.state === 'failed' && record.exitCode !== null) return record.exitCode;
  if (record.signal) {
    const n = signalNumber(record.signal);
    if (n !== undefined) return 128 + n;
  }
  return 1;
}

export const signalNumber = (signal: string): number | undefined =>
  (constants.signals as Record<string, number | undefined>)[signal];
