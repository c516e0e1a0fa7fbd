import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { addGlobalOptions, envPair, queueName } from '../options.js';
import { printLines } from '../output/write.js';

interface RunOptions {
  readonly follow?: boolean;
  readonly monitor?: boolean;
  readonly json?: boolean;
  readonly name?: string;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly queue?: string;
}

export function runCommand(): Command {
  const command = new Command('run')
    .summary('run a command on a worker')
    .description(
      'Queue a shell command for a worker and print its job id. The words of the command are joined ' +
        'with spaces and run by `sh -c` on the worker; options after the first word belong to the command. ' +
        'Put -- before a command that starts with a dash.',
    )
    .argument('<command...>', 'the command to run')
    .option('-f, --follow', 'print its output live (stdout to stdout, stderr to stderr) and exit with its exit code')
    .addOption(new Option('--monitor', 'same as --follow').hideHelp())
    .option('--name <name>', 'a label for the job (default: the command)')
    .option('--cwd <dir>', 'directory to run in (default: the current directory)')
    .option('--env <KEY=VALUE>', 'set an environment variable for the command (repeatable)', envPair)
    .option('--queue <queue>', 'queue to put the job on (default: $KINGLY_QUEUE or "commands")', queueName)
    .option('--json', 'print {"id": …} (with --follow: then the output as JSON lines)')
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Examples:
  $ kingly run make test                  # prints the job id
  $ kingly run -f 'echo out; echo err >&2; exit 7'; echo $?   # out, err, 7
  $ kingly run --env MODE=ci --name build -- ./build.sh --fast
  $ kingly run -f 'seq 1 100000' | wc -l`,
    );
  addGlobalOptions(command);
  return command.action(async (words: string[], options: RunOptions, cmd: Command) => {
    await withClient(
      cmd,
      async (client, config) => {
        const follow = options.follow === true || options.monitor === true;
        const { id } = await client.enqueue(
          {
            command: words.join(' '),
            cwd: resolve(options.cwd ?? process.cwd()),
            ...(options.env ? { env: options.env } : {}),
            ...(options.name !== undefined ? { name: options.name } : {}),
          },
          { queue: config.queue },
        );
        if (options.json) await printLines(JSON.stringify({ id }));
        else if (!follow) await printLines(id);
        if (!follow) return;
        const { followJob } = await import('../follow-run.js');
        const code = await followJob(client, id, { json: options.json === true, queue: config.queue });
        if (code !== ExitCode.OK) throw new ExitRequest(code);
      },
      options.queue !== undefined ? { queue: options.queue } : {},
    );
  });
}
