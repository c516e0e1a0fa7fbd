import { existsSync, readFileSync } from 'node:fs';

const HAS_PROC = existsSync('/proc/self/stat');

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  if (HAS_PROC) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A NUL-separated /proc file as a list, or undefined when it cannot be read. */
function procList(pid: number, file: 'cmdline' | 'environ'): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter((s) => s !== '');
  } catch {
    return undefined;
  }
}

export interface ProcessIdentity {
  /** Every one of these must appear in the command line. */
  readonly cmdlineIncludes: readonly string[];
  /** NAME=VALUE that must be in the environment, when it can be read. */
  readonly envEntry: string;
}

/**
 * Whether `pid` is still the process a pid file recorded: running, with the expected command line
 * and environment marker. Where there is no /proc (macOS), a running pid is taken at its word.
 */
export function isOurProcess(pid: number, identity: ProcessIdentity): boolean {
  if (!isRunning(pid)) return false;
  if (!HAS_PROC) return true;
  const cmdline = procList(pid, 'cmdline');
  if (!cmdline) return false;
  const joined = cmdline.join(' ');
  if (!identity.cmdlineIncludes.every((part) => joined.includes(part))) return false;
  const environ = procList(pid, 'environ');
  return environ === undefined || environ.length === 0 || environ.includes(identity.envEntry);
}
