import { badInput } from '@kingly/cmd';
import { procAccounting } from './proc-backend.js';
import { psAccounting } from './ps-backend.js';
import type { AccountingKind, ProcessAccounting } from './types.js';

export type { AccountingKind, ProcessAccounting, ProcInfo } from './types.js';
export { CPU_UNITS_PER_SECOND } from './types.js';

/** /proc where the kernel has it (Linux), `ps` elsewhere (macOS). */
export const DEFAULT_ACCOUNTING: AccountingKind = process.platform === 'linux' ? 'proc' : 'ps';

const BACKENDS: Record<AccountingKind, ProcessAccounting> = { proc: procAccounting, ps: psAccounting };

let current: ProcessAccounting = BACKENDS[DEFAULT_ACCOUNTING];

/**
 * Chooses how this process reads processes (one choice per process: the worker makes it at start
 * from `worker.accounting`). "proc" is refused where there is no /proc.
 */
export function useAccounting(kind: AccountingKind = DEFAULT_ACCOUNTING): ProcessAccounting {
  if (kind === 'proc' && process.platform !== 'linux') throw badInput(`worker.accounting: "proc" needs Linux's /proc, this is ${process.platform}`, 'use "ps"');
  current = BACKENDS[kind];
  return current;
}

/** The backend chosen for this process. */
export const accounting = (): ProcessAccounting => current;
