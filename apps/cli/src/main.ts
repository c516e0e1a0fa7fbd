import { inspect } from 'node:util';
import type { Command } from 'commander';
import { rewriteEqualsValue } from './equals-value.js';
import { ExitRequest, reportError, UsageError } from './errors.js';
import type { GlobalOptions } from './options.js';
import { flushStdio } from './output/write.js';
import { buildProgram, commandPath } from './program.js';
import { runGrammar } from './run-grammar.js';
import { GIT_WORKTREE_FLAG } from './run-worktree.js';

/** 128 + SIGPIPE: the reader of our output went away (`kingly jobs | head -1`). */
const EXIT_BROKEN_PIPE = 141;

function exitOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    throw error;
  });
}

function wantsDebug(command: Command | undefined, argv: readonly string[]): boolean {
  if (process.env.KINGLY_DEBUG === '1') return true;
  if (command) return command.optsWithGlobals<GlobalOptions>().debug === true;
  return argv.includes('--debug');
}

/** Runs the kingly command line and exits the process with the command's exit code. */
export async function main(argv: readonly string[]): Promise<never> {
  exitOnBrokenPipe(process.stdout);
  exitOnBrokenPipe(process.stderr);
  const program = buildProgram();
  let active: Command | undefined;
  program.hook('preAction', (_program, actionCommand) => {
    active = actionCommand;
  });
  let exitCode = 0;
  try {
    const grammar = runGrammar(program, argv);
    if (grammar.warning !== undefined) process.stderr.write(`${grammar.warning}\n`);
    await program.parseAsync(rewriteEqualsValue(program, grammar.argv, GIT_WORKTREE_FLAG));
  } catch (error) {
    const report = reportError(error, commandPath(active ?? program));
    if (report.line) process.stderr.write(`${report.line}\n`);
    const quiet = error instanceof ExitRequest || error instanceof UsageError;
    if (!quiet && wantsDebug(active, argv)) process.stderr.write(`${inspect(error, { depth: 6 })}\n`);
    exitCode = report.exitCode;
  }
  await flushStdio();
  // Exit now: a command is done when its action is, whatever connection might linger.
  process.exit(exitCode);
}
