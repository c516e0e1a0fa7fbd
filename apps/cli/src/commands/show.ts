import { Command } from 'commander';
import { withClient } from '../context.js';
import { addGlobalOptions, queueName } from '../options.js';
import { jobDetails } from '../output/format-job.js';
import { sampleChart } from '../output/sparkline.js';
import { printJson, write } from '../output/write.js';
import { resolveJob } from '../resolve-job.js';

export function showCommand(): Command {
  const command = new Command('show')
    .summary("show one job's record")
    .description(
      'Show everything known about one job: command, state, exit code, where and when it ran, and ' +
        'sparklines of its CPU and memory over the run. ' +
        'A name (kingly run --name) means the newest job with that name; an id wins over a name.',
    )
    .argument('<id|name>', 'job id (as printed by kingly run) or job name')
    .option('--queue <queue>', 'the job\'s queue: a plain BullMQ id found on several queues needs it', queueName)
    .option('--json', 'print the job record as JSON, with its resource history as `samples`')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly show lq3x9k001ab2c
  $ kingly show --json lq3x9k001ab2c | jq .exitCode
  $ kingly show --json lq3x9k001ab2c | jq '.samples | max_by(.rssBytes)'
  $ kingly show tests               # the newest job named 'tests'`,
    );
  addGlobalOptions(command);
  return command.action(async (id: string, options: { json?: boolean; queue?: string }, cmd: Command) => {
    await withClient(cmd, async (client) => {
      const record = await resolveJob(client, id, { queue: options.queue });
      const samples = await client.getSamples(record.id);
      if (options.json) return printJson({ ...record, samples });
      const chart = sampleChart(samples, Math.max(10, Math.min(60, (process.stdout.columns || 80) - 30)));
      await write(process.stdout, jobDetails(record) + chart.map((line) => `${line}\n`).join(''));
    });
  });
}
