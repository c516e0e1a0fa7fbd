import { Command } from 'commander';
import { badInput, DEFAULT_QUEUE, parseDuration, parseSize } from '@kingly/cmd/lite';
import { loadConfig, redisUrlFor } from '../context.js';
import { addGlobalOptions, hostId, integer, queueName } from '../options.js';

interface WorkerCommandOptions {
  readonly concurrency?: number;
  readonly queue?: string;
  readonly hostId?: string;
  readonly grace?: string;
  readonly maxLogLines?: number;
  readonly maxLogBytes?: string;
}

export function workerCommand(): Command {
  const command = new Command('worker')
    .summary('take jobs from a queue and run them')
    .description(
      'Run a worker in the foreground: it takes jobs from the queue and runs each in its own process ' +
        'group. On SIGTERM or Ctrl-C it stops taking jobs, gives running ones the grace period, then ' +
        'kills what is left. A worker on another machine needs nothing but the Redis URL.',
    )
    .option('--concurrency <n>', 'jobs to run at once (default: worker.concurrency of kingly.config.json, else the number of CPU cores)', integer(1, 10_000))
    .option('--queue <queue>', `queue to take jobs from (default: $KINGLY_QUEUE or "${DEFAULT_QUEUE}")`, queueName)
    .option('--host-id <host>', "this machine's name on job records; jobs sent to it (run --host) come from queue <queue>@<host> (default: $KINGLY_HOST or the host name)", hostId)
    .option('--grace <duration>', 'on shutdown, how long running jobs may go on: 500ms, 30s, 10m (default: 10s)')
    .option('--max-log-lines <n>', "lines of each job's log kept in Redis; older ones are dropped with a notice (default: 100000)", integer(1, 100_000_000))
    .option('--max-log-bytes <size>', "bytes of each job's log kept in Redis: 512K, 64M, 1G (default: 64M)")
    .addHelpText(
      'after',
      `
Examples:
  $ kingly worker
  $ KINGLY_REDIS_URL=redis://10.0.0.5:6379 kingly worker --concurrency 4 --queue builds --grace 30s
  $ kingly worker --max-log-bytes 16M --max-log-lines 20000`,
    );
  addGlobalOptions(command);
  return command.action(async (options: WorkerCommandOptions, cmd: Command) => {
    const shutdownGraceMs = options.grace === undefined ? undefined : parseDuration(options.grace, '--grace');
    const maxLogBytes = options.maxLogBytes === undefined ? undefined : parseSize(options.maxLogBytes, '--max-log-bytes');
    const { runWorkerMain, MAX_LINE_BYTES } = await import('@kingly/worker');
    // Under one line's worth (lines are cut at MAX_LINE_BYTES), each line would push out the last.
    if (maxLogBytes !== undefined && maxLogBytes < MAX_LINE_BYTES) {
      throw badInput(`--max-log-bytes must be at least ${MAX_LINE_BYTES / 1024}K (the longest line kept), got '${options.maxLogBytes}'`);
    }
    const config = await loadConfig(cmd, options.queue !== undefined ? { queue: options.queue } : {});
    // With no Redis configured, work for the local stack (its Redis only: this is the worker).
    const redisUrl = await redisUrlFor(config, 'redis');
    await runWorkerMain({
      redisUrl,
      queue: config.queue,
      prefix: config.prefix,
      ...(config.accounting ? { accounting: config.accounting } : {}),
      ...(config.heartbeatMs !== undefined ? { heartbeatMs: config.heartbeatMs } : {}),
      ...(config.heartbeatTtlMs !== undefined ? { heartbeatTtlMs: config.heartbeatTtlMs } : {}),
      retention: config.retention,
      ...((options.concurrency ?? config.workerConcurrency) !== undefined ? { concurrency: options.concurrency ?? config.workerConcurrency } : {}),
      ...(shutdownGraceMs !== undefined ? { shutdownGraceMs } : {}),
      ...(options.hostId !== undefined ? { host: options.hostId } : {}),
      ...(options.maxLogLines !== undefined ? { maxLogLines: options.maxLogLines } : {}),
      ...(maxLogBytes !== undefined ? { maxLogBytes } : {}),
    });
  });
}
