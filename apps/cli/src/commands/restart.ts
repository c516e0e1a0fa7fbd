import { Command } from 'commander';
import { withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { followJob } from '../follow-run.js';
import { addGlobalOptions, queueName } from '../options.js';
import { printLines } from '../output/write.js';
import { resolveJob } from '../resolve-job.js';

interface RestartOptions {
  readonly follow?: boolean;
  readonly json?: boolean;
  readonly queue?: string;
}

export function restartCommand(): Command {
  const command = new Command('restart')
    .summary('run a finished job again, as a new job with the same spec')
    .description(
      'Run an ended job again: a new job (new id) with the same command, directory or worktree, ' +
        'environment, name, group and limits, on the same queue (its --after is not repeated). ' +
        "A name means the newest job with that name. A job that has not ended is refused: 'kingly kill' it first.",
    )
    .argument('<id|name>', 'the job to run again')
    .option('-f, --follow', 'print its output live and exit with its exit code')
    .option('--queue <queue>', "the old job's queue: a plain BullMQ id found on several queues needs it", queueName)
    .option('--json', 'print {"id", "restartOf"}')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly restart tests          # the newest job named 'tests', again; prints the new id
  $ kingly restart -f lq3x9k001ab2c`,
    );
  addGlobalOptions(command);
  return command.action(async (text: string, options: RestartOptions, cmd: Command) => {
    await withClient(cmd, async (client) => {
      // The spec is parsed again (zod), which only a restart needs.
      const { specToRestart } = await import('../restart-spec.js');
      const old = await resolveJob(client, text, { queue: options.queue });
      const spec = await specToRestart(client, old);
      const { id } = await client.enqueue(spec, { queue: old.queue });
      if (options.json) await printLines(JSON.stringify({ id, restartOf: old.id }));
      else if (!options.follow) await printLines(id);
      if (!options.follow) return;
      const code = await followJob(client, id, { json: options.json === true, queue: old.queue });
      if (code !== ExitCode.OK) throw new ExitRequest(code);
    });
  });
}
