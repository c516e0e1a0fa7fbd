import { Command } from 'commander';
import { withClient } from '../context.js';
import { addGlobalOptions } from '../options.js';
import { printJson, write } from '../output/write.js';

export function showCommand(): Command {
  const command = new Command('show')
    .summary("show one job's record")
    .description(
      'Show everything known about one job: command, state, exit code, where and when it ran. ' +
        'A name (kingly run --name) means the newest job with that name; an id wins over a name.',
    )
    .argument('<id|name>', 'job id (as printed by kingly run) or job name')
    .option('--json', 'print the job record as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly show lq3x9k001ab2c
  $ kingly show --json lq3x9k001ab2c | jq .exitCode
  $ kingly show tests               # the newest job named 'tests'`,
    );
  addGlobalOptions(command);
  return command.action(async (id: string, options: { json?: boolean }, cmd: Command) => {
    await withClient(cmd, async (client) => {
      const { resolveJob } = await import('../resolve-job.js');
      const record = await resolveJob(client, id);
      if (options.json) return printJson(record);
      const { jobDetails } = await import('../output/format-job.js');
      await write(process.stdout, jobDetails(record));
    });
  });
}
