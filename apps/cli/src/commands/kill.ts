import { Command } from 'commander';
import { badInput, parseDuration } from '@kingly/cmd/lite';
import { withClient } from '../context.js';
import { ExitRequest, reportError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { killJobs, killTable, resolveKillTargets } from '../kill-jobs.js';
import { addGlobalOptions, queueName } from '../options.js';
import { printJson, write } from '../output/write.js';
import { liveJobs } from '../select-jobs.js';

interface KillOptions {
  readonly signal: string;
  readonly grace: string;
  readonly all?: boolean;
  readonly state?: string;
  readonly name?: string;
  readonly group?: string;
  readonly json?: boolean;
  readonly queue?: string;
}

export function killCommand(): Command {
  const command = new Command('kill')
    .summary('cancel jobs: remove queued ones, kill the trees of running ones')
    .description(
      'Cancel jobs from any machine. A queued job is removed and ends cancelled. A running job: its ' +
        "worker sends the signal to the job's process group, then after the grace period SIGKILLs " +
        'the group and every process of the job that left it. Returns once each job has ended ' +
        '(prints its id, what was done and its final state), or says that its worker is gone. ' +
        'A name (kingly run --name) means the newest job with that name that has not ended; an id ' +
        'wins over a name. Every job with a name: --all --name NAME.',
    )
    .argument('[id|name...]', 'job ids or job names')
    .option('--signal <signal>', 'first signal sent: SIGTERM, SIGINT, HUP, KILL…', 'SIGTERM')
    .option('--grace <duration>', 'time between that signal and SIGKILL: 500ms, 5s, 1m', '5s')
    .option('--all', 'every job that has not ended (narrow it with --state, --name, --group)')
    .option('--state <state>', 'with --all or --group: only queued or only running jobs')
    .option('--name <name>', 'with --all or --group: only jobs with this name')
    .option('--group <id>', 'every job of this group that has not ended')
    .option('--queue <queue>', 'the queue of the jobs named: a plain BullMQ id found on several queues needs it', queueName)
    .option('--json', 'print [{"id", "action", "record"} or {"id", "error"}]')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly kill lq3x9k001ab2c
  $ kingly kill build                 # the newest job named 'build' that has not ended
  $ kingly kill --all --name build    # every job named 'build' that has not ended
  $ kingly kill --signal INT --grace 30s lq3x9k001ab2c lq3x9k002xy7a
  $ kingly kill --all --state queued
  $ kingly kill --group g-lq3x9k001ab2c --json`,
    );
  addGlobalOptions(command);
  return command.action(async (ids: string[], options: KillOptions, cmd: Command) => {
    // The signal check lives with cancel in the client, which is loaded only when it is used.
    const { validateSignal } = await import('@kingly/cmd');
    const selecting = options.all === true || options.group !== undefined;
    if (ids.length > 0 && selecting) throw badInput('give job ids or names, or --all / --group, not both');
    if (ids.length === 0 && !selecting) throw badInput('give job ids or names, --all or --group');
    if ((options.state !== undefined || options.name !== undefined) && !selecting) throw badInput('--state and --name go with --all or --group');
    if (options.state !== undefined && options.state !== 'queued' && options.state !== 'running') {
      throw badInput(`--state must be queued or running (the states a job can be killed in), got '${options.state}'`);
    }
    let signal: string;
    try {
      signal = validateSignal(options.signal);
    } catch {
      throw badInput(`--signal must be a signal name such as SIGTERM, SIGINT or KILL, got '${options.signal}'`);
    }
    const graceMs = parseDuration(options.grace, '--grace');

    const code = await withClient(cmd, async (client) => {
      const state = options.state as 'queued' | 'running' | undefined;
      const { ids: targets, unknown } = selecting
        ? { ids: (await liveJobs(client, { state, name: options.name, group: options.group })).map((r) => r.id), unknown: [] }
        : await resolveKillTargets(client, ids, options.queue);
      if (targets.length === 0 && unknown.length === 0) {
        if (options.json) await printJson([]);
        else await write(process.stderr, 'no job to kill (none that has not ended matches)\n');
        return ExitCode.OK;
      }
      const outcomes = [...unknown, ...(await killJobs(client, targets, { signal, graceMs }))];
      if (options.json) await printJson(outcomes.map(({ id, ...o }) => ('record' in o ? { id, action: o.action, record: o.record } : { id, error: o.error })));
      else await write(process.stdout, killTable(outcomes));
      let exitCode: number = ExitCode.OK;
      for (const o of outcomes) {
        if (!('cause' in o)) continue;
        const report = reportError(o.cause, 'kingly kill');
        if (!options.json) await write(process.stderr, `${report.line}\n`);
        if (exitCode === ExitCode.OK) exitCode = report.exitCode;
      }
      return exitCode;
    });
    if (code !== ExitCode.OK) throw new ExitRequest(code);
  });
}
