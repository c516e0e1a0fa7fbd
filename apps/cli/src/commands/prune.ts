import { Command } from 'commander';
import type { JobState } from '@kingly/cmd';
import { badInput, parseDuration, TERMINAL_STATES } from '@kingly/cmd/lite';
import { withClient } from '../context.js';
import { addGlobalOptions, integer } from '../options.js';
import { printJson, write } from '../output/write.js';

interface PruneCommandOptions {
  readonly olderThan?: string;
  readonly state?: string[];
  readonly keepLast?: number;
  readonly maxJobs?: number;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function pruneCommand(): Command {
  const command = new Command('prune')
    .summary('delete finished jobs: records, logs and BullMQ jobs')
    .description(
      'Delete finished jobs (record, log, index entries and their BullMQ job) chosen by age, state\n' +
        'and how many of each name to keep. Queued and running jobs are never touched. Options given\n' +
        'together must all hold. With none of --older-than, --state, --keep-last or --max-jobs, the\n' +
        "retention policy is applied now, as workers do on their own (config 'retention', default:\n" +
        'older than 7d, beyond the newest 10000).',
    )
    .option('--older-than <duration>', 'only jobs that finished more than this long ago: 12h, 7d, 30m')
    .option('--state <state>', 'only jobs that ended so (repeatable): succeeded, failed, cancelled, timed-out, memory-limit, spawn-failed, worker-lost', collect)
    .option('--keep-last <n>', 'keep the newest n finished jobs of each name', integer(0))
    .option('--max-jobs <n>', 'keep at most n finished jobs in all, the newest', integer(0))
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--json', 'print {dryRun, pruned, byState, bullRemoved, examined, selection} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly prune                                # the configured retention policy, now
  $ kingly prune --older-than 7d --dry-run      # how many finished over a week ago
  $ kingly prune --state failed --older-than 12h
  $ kingly prune --keep-last 5                  # the newest 5 of each job name stay
  $ kingly prune --older-than 1d --json | jq .pruned`,
    );
  addGlobalOptions(command);
  return command.action(async (options: PruneCommandOptions, cmd: Command) => {
    const terminal = [...TERMINAL_STATES] as string[];
    for (const state of options.state ?? []) {
      if (!terminal.includes(state)) {
        throw badInput(`--state '${state.slice(0, 40)}' is not a finished state: prune deletes only finished jobs, so --state must be one of ${terminal.join(', ')}`);
      }
    }
    const olderThanMs = options.olderThan === undefined ? undefined : parseDuration(options.olderThan, '--older-than');
    const chosen = olderThanMs !== undefined || options.state !== undefined || options.keepLast !== undefined || options.maxJobs !== undefined;
    await withClient(cmd, async (client, config) => {
      const selection = chosen
        ? {
            ...(olderThanMs !== undefined ? { olderThanMs } : {}),
            ...(options.state !== undefined ? { states: options.state as JobState[] } : {}),
            ...(options.keepLast !== undefined ? { keepLast: options.keepLast } : {}),
            ...(options.maxJobs !== undefined ? { maxJobs: options.maxJobs } : {}),
          }
        : { olderThanMs: config.retention.maxAgeMs, maxJobs: config.retention.maxJobs };
      const result = await client.prune({ ...selection, dryRun: options.dryRun ?? false });
      if (options.json) return printJson({ ...result, selection });
      const states = Object.entries(result.byState).map(([state, n]) => `${state} ${n}`).join(', ');
      const what = `${result.pruned} finished job${result.pruned === 1 ? '' : 's'}${states ? ` (${states})` : ''}`;
      if (result.dryRun) return write(process.stdout, `would prune ${what}\n`);
      await write(process.stdout, result.pruned === 0 ? 'nothing to prune\n' : `pruned ${what}; ${result.bullRemoved} BullMQ job${result.bullRemoved === 1 ? '' : 's'} removed\n`);
    });
  });
}
