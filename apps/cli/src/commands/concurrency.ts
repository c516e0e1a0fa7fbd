import { Command } from 'commander';
import { badInput, ErrorCodes, KinglyError } from '@kingly/cmd/lite';
import { withClient } from '../context.js';
import { addGlobalOptions, integer, queueName } from '../options.js';
import { printJson, printLines } from '../output/write.js';

interface ConcurrencyOptions {
  readonly worker?: string;
  readonly queue?: string;
  readonly json?: boolean;
}

export function concurrencyCommand(): Command {
  const command = new Command('concurrency')
    .summary('change how many jobs running workers run at once')
    .description(
      'Tell running workers, through their control channel, to run at most N jobs at once from now ' +
        'on (running jobs go on; more are taken, or fewer until some end). Every live worker of the ' +
        'queue, or the one --worker names. A worker started again uses its own --concurrency.',
    )
    .argument('<n>', 'jobs at once, 1 or more', integer(1, 10_000))
    .option('--worker <id>', 'only this worker (ids: kingly status)')
    .option('--queue <queue>', 'the workers of this queue (default: $KINGLY_QUEUE or "commands")', queueName)
    .option('--json', 'print [{"worker", "concurrency"}]')
    .addHelpText('after', '\nExamples:\n  $ kingly concurrency 8\n  $ kingly concurrency 1 --worker build-box-1234');
  addGlobalOptions(command);
  return command.action(async (n: number, options: ConcurrencyOptions, cmd: Command) => {
    await withClient(
      cmd,
      async (client, config) => {
        const alive = (await client.listWorkers()).filter((w) => w.alive);
        const targets = options.worker !== undefined ? alive.filter((w) => w.id === options.worker) : alive.filter((w) => w.queue === config.queue);
        if (targets.length === 0) {
          if (options.worker !== undefined) throw new KinglyError(ErrorCodes.WORKER_GONE, `no live worker '${options.worker}'`, { hint: "see the workers with 'kingly status'" });
          throw badInput(`no live worker takes jobs from queue '${config.queue}'`, "see the workers with 'kingly status'");
        }
        const redis = await client.redis();
        const message = JSON.stringify({ type: 'concurrency', concurrency: n });
        const told = await Promise.all(targets.map(async (w) => ({ worker: w.id, heard: (await redis.publish(client.keys.control(w.id), message)) > 0 })));
        const missed = told.filter((t) => !t.heard).map((t) => t.worker);
        if (missed.length > 0) throw new KinglyError(ErrorCodes.WORKER_GONE, `worker(s) ${missed.join(', ')} did not hear it (not listening)`);
        if (options.json) return printJson(told.map((t) => ({ worker: t.worker, concurrency: n })));
        await printLines(...told.map((t) => `worker ${t.worker}: concurrency ${n}`));
      },
      options.queue !== undefined ? { queue: options.queue } : {},
    );
  });
}
