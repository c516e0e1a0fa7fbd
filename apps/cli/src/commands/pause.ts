import { Command } from 'commander';
import { queueBase, queueHost } from '@kingly/cmd';
import { withClient } from '../context.js';
import { addGlobalOptions, queueName } from '../options.js';
import { printJson, printLines } from '../output/write.js';

interface PauseOptions {
  readonly queue?: string;
  readonly json?: boolean;
}

/** `kingly pause` and `kingly resume`: BullMQ's pause of a whole queue (every worker of it). */
function queuePauseCommand(name: 'pause' | 'resume'): Command {
  const pausing = name === 'pause';
  const command = new Command(name)
    .summary(pausing ? 'stop workers taking jobs from a queue (running jobs go on)' : 'let workers take jobs from a paused queue again')
    .description(
      pausing
        ? "Pause a queue (BullMQ's pause, for every worker of it) and its host queues (<queue>@<host>, also " +
            "those of workers started later): queued jobs wait and new ones queue up; running jobs go on. " +
            "'kingly status' says the queue is paused until 'kingly resume'."
        : 'Resume a queue paused with kingly pause, and its host queues: workers take their queued jobs again.',
    )
    .option('--queue <queue>', 'the queue (default: $KINGLY_QUEUE or "commands")', queueName)
    .option('--json', 'print {"queue", "paused", "hostQueues"}')
    .addHelpText('after', `\nExamples:\n  $ kingly ${name}\n  $ kingly ${name} --queue builds`);
  addGlobalOptions(command);
  return command.action(async (options: PauseOptions, cmd: Command) => {
    await withClient(
      cmd,
      async (client, config) => {
        const queue = await client.queue(config.queue);
        if (pausing) await queue.pause();
        else await queue.resume();
        // Then its host queues (<queue>@<host>) that kingly knows, after the queue itself: a worker
        // whose host queue is not known yet makes it follow the queue's pause when it starts.
        const hostQueues = queueHost(config.queue) !== undefined ? [] : (await client.knownQueues()).filter((q) => q !== config.queue && queueBase(q) === config.queue);
        for (const name of hostQueues) {
          const hostQueue = await client.queue(name);
          if (pausing) await hostQueue.pause();
          else await hostQueue.resume();
        }
        const paused = await queue.isPaused();
        if (options.json) return printJson({ queue: config.queue, paused, hostQueues });
        const also = hostQueues.length > 0 ? ` (with its host queues ${hostQueues.join(', ')})` : '';
        await printLines(
          paused
            ? `queue '${config.queue}' paused${also}: queued jobs wait, running ones go on (kingly resume${config.queue === 'commands' ? '' : ` --queue ${config.queue}`})`
            : `queue '${config.queue}' resumed${also}`,
        );
      },
      options.queue !== undefined ? { queue: options.queue } : {},
    );
  });
}

export const pauseCommand = (): Command => queuePauseCommand('pause');
export const resumeCommand = (): Command => queuePauseCommand('resume');
