import { Command } from 'commander';
import { badInput } from '@kingly/cmd/lite';
import { withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { interruptSignal } from '../interrupt.js';
import { addGlobalOptions, integer } from '../options.js';
import { eventLine } from '../output/format-event.js';
import { write } from '../output/write.js';

interface EventsOptions {
  readonly follow?: boolean;
  readonly since?: string;
  readonly tail?: number;
  readonly json?: boolean;
}

const STREAM_ID = /^(0|\d+(-\d+)?)$/;

export function eventsCommand(): Command {
  const command = new Command('events')
    .summary('job lifecycle events: queued, started, finished')
    .description(
      'Print the lifecycle events of every job (queued, started, finished with its outcome), oldest ' +
        'first. Each has a stream id; give the last one seen to --since to catch up from there without ' +
        'a gap. With neither --since nor --tail, starts with the last 20.',
    )
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option('--since <id>', "only events after this stream id ('0': every event kept)")
    .option('--tail <n>', 'start with only the last N events', integer(0))
    .option('--json', 'one JSON object per line: {"id", "type", "jobId", "name", "state", "exitCode", "durationMs", "peakRssBytes", "at", …}')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly events
  $ kingly events -f
  $ kingly events --json --since 1732425600000-0 | jq -c 'select(.type=="finished")'`,
    );
  addGlobalOptions(command);
  return command.action(async (options: EventsOptions, cmd: Command) => {
    if (options.since !== undefined && !STREAM_ID.test(options.since)) {
      throw badInput(`--since must be a stream id such as 1732425600000-0 (or 0 for every event kept), got '${options.since}'`);
    }
    if (options.since !== undefined && options.tail !== undefined) throw badInput('give --since or --tail, not both');
    const interrupted = await withClient(cmd, async (client) => {
      const interrupt = interruptSignal();
      const start = options.since !== undefined ? { since: options.since } : { tail: options.tail ?? 20 };
      try {
        for await (const event of client.events({ ...start, follow: options.follow === true, signal: interrupt.signal })) {
          await write(process.stdout, options.json ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
        }
      } finally {
        interrupt.dispose();
      }
      return interrupt.signal.aborted;
    });
    if (interrupted) throw new ExitRequest(ExitCode.INTERRUPTED);
  });
}
