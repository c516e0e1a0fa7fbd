import { Command } from 'commander';
import { withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { printJobLog } from '../follow-job.js';
import { addGlobalOptions, integer, queueName } from '../options.js';
import { resolveJob } from '../resolve-job.js';

interface LogsOptions {
  readonly follow?: boolean;
  readonly tail?: number;
  readonly json?: boolean;
  readonly queue?: string;
}

export function logsCommand(): Command {
  const command = new Command('logs')
    .summary("print a job's output")
    .description(
      "Print a job's output: its stdout lines on stdout, its stderr lines and kingly's notes on stderr. " +
        'A name (kingly run --name) means the newest job with that name; an id wins over a name.',
    )
    .argument('<id|name>', 'job id or job name')
    .option('--queue <queue>', 'the job\'s queue: a plain BullMQ id found on several queues needs it', queueName)
    .option('-f, --follow', 'keep printing until the job has finished')
    .option('--tail <n>', 'start with only the last N lines', integer(0))
    .option('--json', 'print one JSON object per line: {"id","stream","line","ts"}')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly logs lq3x9k001ab2c
  $ kingly logs -f --tail 20 lq3x9k001ab2c
  $ kingly logs -f dev:web          # the newest job named 'dev:web'
  $ kingly logs --json lq3x9k001ab2c | jq -r 'select(.stream=="stderr") | .line'`,
    );
  addGlobalOptions(command);
  return command.action(async (id: string, options: LogsOptions, cmd: Command) => {
    await withClient(cmd, async (client) => {
      const { id: jobId } = await resolveJob(client, id, { queue: options.queue }); // an unknown id or name is an error, not an empty log
      if (!(await printJobLog(client, jobId, options))) throw new ExitRequest(ExitCode.INTERRUPTED);
    });
  });
}
