import { Command } from 'commander';
import { badInput, exitCodeFor, parseDuration } from '@kingly/cmd/lite';
import { withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { interruptSignal } from '../interrupt.js';
import { addGlobalOptions, queueName } from '../options.js';
import { printJson, write } from '../output/write.js';
import { resolveJob } from '../resolve-job.js';
import { groupJobIds } from '../select-jobs.js';

interface WaitCommandOptions {
  readonly timeout?: string;
  readonly group?: string;
  readonly json?: boolean;
  readonly queue?: string;
}

export function waitCommand(): Command {
  const command = new Command('wait')
    .summary('wait for jobs to finish')
    .description(
      "Wait until every job given has finished, then exit with the job's exit code (128+n for\n" +
        'signal n, 1 for another failure). With several jobs: the code of the first, in the order ' +
        'given, that did not succeed, or 0. Exits 1 if --timeout passes first. A name (kingly run ' +
        '--name) means the newest job with that name; an id wins over a name.',
    )
    .argument('[id|name...]', 'job ids or job names')
    .option('--queue <queue>', 'the job\'s queue: a plain BullMQ id found on several queues needs it', queueName)
    .option('--group <id>', 'wait for every job of this group (as printed by kingly run --parallel)')
    .option('--timeout <duration>', 'give up after this long: 500ms, 30s, 10m, 2h')
    .option('--json', 'print the final job records as a JSON array')
    .addHelpText(
      'after',
      `
Examples:
  $ id=$(kingly run make test) && kingly wait "$id" && echo passed
  $ kingly wait --timeout 10m $(kingly run 'sleep 1') $(kingly run 'sleep 2')
  $ kingly wait --group g-lq3x9k001ab2c
  $ kingly wait tests && echo passed  # the newest job named 'tests'`,
    );
  addGlobalOptions(command);
  return command.action(async (ids: string[], options: WaitCommandOptions, cmd: Command) => {
    if (ids.length === 0 && options.group === undefined) cmd.error("error: missing required argument 'id|name'", { code: 'commander.missingArgument' });
    if (ids.length > 0 && options.group !== undefined) throw badInput('give job ids or --group, not both');
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout, '--timeout');
    const code = await withClient(cmd, async (client) => {
      let unique: string[];
      if (options.group === undefined) {
        // Unknown ids and names fail before any waiting.
        const resolved: string[] = [];
        for (const text of new Set(ids)) resolved.push((await resolveJob(client, text, { queue: options.queue })).id);
        unique = [...new Set(resolved)];
      } else {
        unique = await groupJobIds(client, options.group);
      }
      const interrupt = interruptSignal();
      try {
        const records = await client
          .waitForJobs(unique, { signal: interrupt.signal, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
          .catch((error: unknown) => {
            if (interrupt.signal.aborted) throw new ExitRequest(ExitCode.INTERRUPTED);
            throw error;
          });
        if (options.json) await printJson(records);
        const failed = records.filter((r) => r.state !== 'succeeded');
        if (!options.json && unique.length > 1) {
          for (const r of failed) {
            await write(process.stderr, `kingly: job ${r.id} ${r.state} (exit ${exitCodeFor(r)})\n`);
          }
        }
        return failed.length > 0 ? exitCodeFor(failed[0]!) : ExitCode.OK;
      } finally {
        interrupt.dispose();
      }
    });
    if (code !== ExitCode.OK) throw new ExitRequest(code);
  });
}
