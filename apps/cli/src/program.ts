import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { apiCommand } from './commands/api.js';
import { devCommand } from './commands/dev.js';
import { downCommand } from './commands/down.js';
import { eventsCommand } from './commands/events.js';
import { jobsCommand } from './commands/jobs.js';
import { killCommand } from './commands/kill.js';
import { logsCommand } from './commands/logs.js';
import { parallelCommand } from './parallel/command.js';
import { pruneCommand } from './commands/prune.js';
import { completeCommand, completionCommand } from './commands/completion.js';
import { concurrencyCommand } from './commands/concurrency.js';
import { notifyCommand } from './commands/notify.js';
import { pauseCommand, resumeCommand } from './commands/pause.js';
import { restartCommand } from './commands/restart.js';
import { runCommand } from './commands/run.js';
import { showCommand } from './commands/show.js';
import { statusCommand } from './commands/status.js';
import { topCommand } from './top/command.js';
import { upCommand } from './commands/up.js';
import { waitCommand } from './commands/wait.js';
import { workerCommand } from './commands/worker.js';
import { UsageError } from './errors.js';
import { groupCommandsInHelp } from './help-groups.js';
import { addGlobalOptions } from './options.js';

const version = (): string => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
};

/** `kingly run`, `kingly` … — how a command is named in hints. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Commander's mistakes become UsageErrors that main prints as one line (no help dump). */
function reportUsageErrors(command: Command): void {
  command.configureOutput({
    outputError: () => {
      /* the UsageError thrown instead is printed by main, as one line */
    },
  });
  command.exitOverride((error) => {
    throw new UsageError(error, commandPath(command));
  });
  for (const sub of command.commands) reportUsageErrors(sub);
}

/** The whole `kingly` command line. Defining it loads nothing heavy: commands import on use. */
export function buildProgram(): Command {
  const program = new Command('kingly')
    .description('Run shell commands on workers through Redis: every command tracked, logs streamed, trees killed.')
    .version(version(), '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
With no Redis configured (--redis-url, KINGLY_REDIS_URL or kingly.config.json), kingly starts a
private local stack (redis-server + a worker) under KINGLY_HOME, default ~/.kingly.

Examples:
  $ kingly run -f 'npm test'          # run it on a worker, print its output, exit with its code
  $ kingly run --parallel -f 'npm run lint' 'npm test'   # one group, live rows, combined exit code
  $ kingly jobs --state failed
  $ kingly logs <id>                  # or a name: the newest job with that name
  $ kingly kill <id>
  $ kingly status --watch
  $ kingly dev start --follow`,
    );
  addGlobalOptions(program);
  for (const command of [
    runCommand(),
    jobsCommand(),
    showCommand(),
    logsCommand(),
    waitCommand(),
    killCommand(),
    restartCommand(),
    pauseCommand(),
    resumeCommand(),
    concurrencyCommand(),
    pruneCommand(),
    statusCommand(),
    topCommand(),
    eventsCommand(),
    devCommand(),
    workerCommand(),
    apiCommand(),
    upCommand(),
    downCommand(),
    parallelCommand(),
  ]) {
    program.addCommand(command);
  }
  program.addCommand(notifyCommand());
  program.addCommand(completionCommand());
  program.addCommand(completeCommand(), { hidden: true });
  groupCommandsInHelp(program);
  reportUsageErrors(program);
  return program;
}
