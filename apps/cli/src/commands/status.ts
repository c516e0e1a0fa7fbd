import { Command } from 'commander';
import { badInput, parseDuration, readStatus } from '@kingly/cmd/lite';
import { loadConfig, redisUrlFor, withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { addGlobalOptions } from '../options.js';
import { statusText } from '../output/format-status.js';
import { printJson, write } from '../output/write.js';
import { pausedQueues } from '../paused-queues.js';
import { watchStatus } from '../watch-status.js';

interface StatusOptions {
  readonly json?: boolean;
  readonly watch?: boolean;
  readonly interval?: string;
}

export function statusCommand(): Command {
  const command = new Command('status')
    .summary("what's going on: workers, running jobs, queue, failures")
    .description(
      'Show the workers (dead ones flagged), the running jobs with their live CPU and memory, how ' +
        'many jobs wait, the latest failures, and how webhook deliveries go; with the local stack, whether ' +
        'each of its daemons (redis, worker, API) is up under PM2 and how often PM2 restarted it.',
    )
    .option('--json', 'print {"counts", "workers", "running", "recentFailures", "webhooks", "hostQueues", "paused", "localStack"} (with --watch: one line per refresh)')
    .option('-w, --watch', 'refresh until Ctrl-C (in place on a terminal)')
    .option('--interval <duration>', 'with --watch, refresh this often: 500ms, 2s, 1m (default: 2s)')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly status
  $ kingly status --watch --interval 1s
  $ kingly status --json | jq '.running[] | {id, cpuPercent, rssBytes}'`,
    );
  addGlobalOptions(command);
  return command.action(async (options: StatusOptions, cmd: Command) => {
    if (!options.watch) {
      if (options.interval !== undefined) throw badInput('--interval needs --watch');
      // The one-shot read loads neither BullMQ nor zod (@kingly/cmd/lite): status should answer at once.
      const config = await loadConfig(cmd);
      const redisUrl = await redisUrlFor(config);
      const report = await readStatus({ redisUrl, prefix: config.prefix, queue: config.queue });
      const paused = await pausedQueues(redisUrl, config.prefix, [config.queue, ...report.workers.map((w) => w.queue), ...report.hostQueues.map((q) => q.queue)]);
      const hostQueues = report.hostQueues.map((q) => ({ ...q, paused: paused.includes(q.queue) }));
      // The local stack's daemons as PM2 sees them (PM2 is loaded only when the stack is in use).
      const stack = config.redisUrl === undefined ? await (await import('../stack/stack-status.js')).localStackStatus(config.home) : undefined;
      if (options.json) return printJson({ ...report, hostQueues, paused, ...(stack ? { localStack: stack } : {}) });
      const pausedLines = paused.map((q) => `queue '${q}' is PAUSED: its queued jobs wait (kingly resume${q === config.queue ? '' : ` --queue ${q}`})\n`).join('');
      const stackLine = stack ? (await import('../stack/stack-status.js')).localStackText(stack) : '';
      await write(process.stdout, stackLine + pausedLines + statusText({ ...report, hostQueues }));
      return;
    }
    const intervalMs = options.interval === undefined ? 2000 : parseDuration(options.interval, '--interval');
    if (intervalMs < 100) throw badInput(`--interval must be at least 100ms, got '${options.interval}'`);
    await withClient(cmd, (client) => watchStatus(client, { intervalMs, json: options.json === true }));
    throw new ExitRequest(ExitCode.INTERRUPTED);
  });
}
