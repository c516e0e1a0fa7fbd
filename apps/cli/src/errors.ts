import { CommanderError } from 'commander';
import { isKinglyError } from '@kingly/cmd/lite';
import { ExitCode, exitCodeForErrorCode } from './exit-codes.js';

/** Commander codes for help and version output: nothing more to print. */
const PRINTED_BY_COMMANDER = new Set(['commander.help', 'commander.helpDisplayed', 'commander.version']);

/** A command-line mistake found by commander, with the command it happened in (for the hint). */
export class UsageError extends Error {
  readonly exitCode: number;
  readonly commandPath: string;
  /** True when commander has already printed what there is to say (help, version). */
  readonly printed: boolean;

  constructor(error: CommanderError, commandPath: string) {
    // Commander quotes the argument it refused: a megabyte-long one is shown by its start.
    super(error.message.replace(/^error:\s*/i, '').split('\n')[0]!.trim().replace(/'([^']{120,})'/g, (_, value: string) => `'${value.slice(0, 100)}…'`));
    this.name = 'UsageError';
    this.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    this.commandPath = commandPath;
    this.printed = PRINTED_BY_COMMANDER.has(error.code);
  }
}

/** Ends the command with this exit code and nothing more to print (what it had to say is said). */
export class ExitRequest extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitRequest';
  }
}

export interface ErrorReport {
  readonly exitCode: number;
  /** One line for stderr, or undefined when there is nothing to say. */
  readonly line: string | undefined;
}

const helpHint = (commandPath: string): string => `see '${commandPath} --help'`;

/**
 * Turns anything thrown while running a command into an exit code and one line:
 * `kingly: <what went wrong>; <what to do>`.
 */
export function reportError(error: unknown, commandPath: string): ErrorReport {
  if (error instanceof ExitRequest) return { exitCode: error.exitCode, line: undefined };
  if (error instanceof UsageError) {
    if (error.printed) return { exitCode: error.exitCode, line: undefined };
    return { exitCode: error.exitCode, line: `kingly: ${error.message}; ${helpHint(error.commandPath)}` };
  }
  if (isKinglyError(error)) {
    const exitCode = exitCodeForErrorCode(error.code);
    const hint = error.hint ?? (exitCode === ExitCode.USAGE ? helpHint(commandPath) : undefined);
    return { exitCode, line: `kingly: ${oneLine(error.message)}${hint ? `; ${hint}` : ''}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    exitCode: ExitCode.FAILURE,
    line: `kingly: ${oneLine(message)}; run again with --debug for details`,
  };
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
