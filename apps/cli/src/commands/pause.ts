import { Command } from 'commander';
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
        ? "Pause a queue (BullMQ's pause, for every worker of it): queued jobs wait and new ones queue up; " +
            "running jobs go on. 'kingly status' says the queue is paused until 'kingly resume'."
        : 'Resume a queue paused with kingly pause: workers take its queued jobs again.',
    )
    .option('--queue <queue>', 'the queue (default: $KINGLY_QUEUE or "commands")', queueName)
    .option('--json', 'print {"queue", "paused"}')
    .addHelpText('after', `\nExamples:\n  $ kingly ${name}\n  $ kingly ${name} --queue builds`);
  addGlobalOptions(command);
  return command.action(async (options: PauseOptions, cmd: Command) => {
    await withClient(
      cmd,
      async (client, config) => {
        const queue = await client.queue(config.queue);
        if (pausing) await queue.pause();
        else await queue.resume();
        const paused = await queue.isPaused();
        if (options.json) return printJson({ queue: config.queue, paused });
        await printLines(
          paused
            ? `queue '${config.queue}' paused: queued jobs wait, running ones go on (kingly resume${config.queue === 'commands' ? '' : ` --queue ${config.queue}`})`
            : `queue '${config.queue}' resumed`,
        );
      },
      options.queue !== undefined ? { queue: options.queue } : {},
    );
  });
}

export const pauseCommand = (): Command => queuePauseCommand('pause');
export const resumeCommand = (): Command => queuePauseCommand('resume');
