import { Command } from 'commander';
import { withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { interruptSignal } from '../interrupt.js';
import { notifyEnded } from '../notify/send.js';
import { addGlobalOptions } from '../options.js';
import { write } from '../output/write.js';
import { resolveJob } from '../resolve-job.js';

interface NotifyOptions {
  readonly follow?: boolean;
}

export function notifyCommand(): Command {
  const command = new Command('notify')
    .summary('desktop notifications when jobs end')
    .description(
      'Send a desktop notification (notify-send on Linux, osascript on macOS, else a terminal bell ' +
        'with an OSC 9 message) for a job when it ends, or with --follow for every job that ends ' +
        'while this runs (until Ctrl-C). kingly run --notify (or defaults.notify) does it for one run.',
    )
    .argument('[id|name]', 'the job to be told about')
    .option('--follow', 'every job that ends from now on, until Ctrl-C')
    .addHelpText('after', '\nExamples:\n  $ kingly notify --follow &\n  $ kingly notify build         # when the newest job named build ends');
  addGlobalOptions(command);
  return command.action(async (text: string | undefined, options: NotifyOptions, cmd: Command) => {
    if ((text === undefined) === (options.follow !== true)) cmd.error('error: give a job, or --follow', { code: 'commander.missingArgument' });
    await withClient(cmd, async (client) => {
      if (text !== undefined) {
        const job = await resolveJob(client, text);
        await notifyEnded(await client.waitForJob(job.id));
        return;
      }
      const interrupt = interruptSignal();
      try {
        await write(process.stderr, 'kingly: notifying of every job that ends, until Ctrl-C\n');
        for await (const event of client.events({ signal: interrupt.signal })) {
          if (event.type === 'finished' && event.record) await notifyEnded(event.record);
        }
      } finally {
        interrupt.dispose();
      }
      throw new ExitRequest(ExitCode.INTERRUPTED);
    });
  });
}
