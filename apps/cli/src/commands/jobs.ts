import { Command } from 'commander';
import { badInput, isValidJobId, JOB_STATES } from '@kingly/cmd/lite';
import { withClient } from '../context.js';
import { addGlobalOptions, integer, queueName } from '../options.js';
import { jobTable } from '../output/format-job.js';
import { formatTable } from '../output/table.js';
import { printJson, write } from '../output/write.js';

interface JobsOptions {
  readonly state?: string;
  readonly limit: number;
  readonly queue?: string;
  readonly group?: string;
  readonly name?: string;
  readonly before?: string;
  readonly json?: boolean;
}

export function jobsCommand(): Command {
  const command = new Command('jobs')
    .summary('list jobs, newest first')
    .description('List jobs of every queue, newest first.')
    .option('--state <state>', 'only jobs in this state: queued, running, succeeded, failed, cancelled, timed-out, memory-limit, spawn-failed or worker-lost')
    .option('--limit <n>', 'at most this many', integer(1, 100_000), 50)
    .option('--queue <queue>', 'only jobs of this queue (default: every queue)', queueName)
    .option('--group <id>', 'only jobs of this group (as printed by kingly run --parallel)')
    .option('--name <name>', 'only jobs with this name')
    .option('--before <id>', 'only jobs older than this one: the last id of the previous page')
    .option('--json', 'print an array of job records')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly jobs
  $ kingly jobs --state failed --limit 10
  $ kingly jobs --limit 10 --before mx2yro4a0n214frs    # the next 10, older
  $ kingly jobs --group g-lq3x9k001ab2c
  $ kingly jobs --json | jq '.[0].exitCode'`,
    );
  addGlobalOptions(command);
  return command.action(async (options: JobsOptions, cmd: Command) => {
    const state = options.state;
    if (options.before !== undefined && !isValidJobId(options.before)) throw badInput(`--before must be a job id, got '${options.before.slice(0, 40)}'`);
    if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
      throw badInput(`--state must be one of ${JOB_STATES.join(', ')}; got '${state}'`);
    }
    await withClient(cmd, async (client) => {
      const jobs = await client.listJobs({
        limit: options.limit,
        ...(state !== undefined ? { state: state as (typeof JOB_STATES)[number] } : {}),
        ...(options.queue !== undefined ? { queue: options.queue } : {}),
        ...(options.group !== undefined ? { group: options.group } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.before !== undefined ? { before: options.before } : {}),
      });
      if (options.json) return printJson(jobs);
      if (jobs.length === 0) {
        const filters = [state && `in state ${state}`, options.group && `in group ${options.group}`, options.name && `named ${options.name}`].filter(Boolean);
        return write(process.stderr, `no jobs${filters.length > 0 ? ` ${filters.join(', ')}` : ''}\n`);
      }
      const { head, rows } = jobTable(jobs);
      await write(process.stdout, formatTable(head, rows));
    });
  });
}
