import type { ErrorCode } from '@kingly/cmd';

/** Exit codes kingly itself decides; a followed or awaited job passes its own code through. */
export const ExitCode = {
  OK: 0,
  /** Any failure: unknown job, unreachable Redis, a job that did not succeed without its own code. */
  FAILURE: 1,
  /** The command line was wrong (unknown option, missing argument, a value that does not parse). */
  USAGE: 2,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

/**
 * The one table from KinglyError codes to exit codes. A code that is not listed exits
 * ExitCode.FAILURE, so a new code never needs a change here to be safe.
 */
const EXIT_BY_ERROR_CODE: Partial<Record<ErrorCode, number>> = {
  E_BAD_INPUT: ExitCode.USAGE,
};

export const exitCodeForErrorCode = (code: string): number =>
  EXIT_BY_ERROR_CODE[code as ErrorCode] ?? ExitCode.FAILURE;
