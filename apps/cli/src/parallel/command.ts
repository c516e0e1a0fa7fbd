import { Command } from 'commander';
import { parallelCleanCommand } from './clean.js';
import { parallelInitCommand } from './init.js';
import { parallelListCommand } from './list.js';
import { parallelLogsCommand } from './logs.js';
import { parallelMergeCommand } from './merge.js';
import { parallelSendCommand } from './send.js';
import { parallelStatusCommand } from './status.js';
import { parallelStopCommand } from './stop.js';
import { parallelSyncCommand } from './sync.js';

export function parallelCommand(): Command {
  const command = new Command('parallel')
    .summary('coding agents in worktrees on any worker: init, status, logs, send, sync, merge, stop, clean, list')
    .description(
      'Agent streams: each stream is an agent CLI (claude by default) running as a kingly job in its own kept git worktree on ' +
        "its own branch <name>/<stream>. Its state (session, turns, tokens, cost, last action) is read from the agent's " +
        'structured output onto the job record, so status works from any machine.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ kingly parallel init demo --streams=2 --prompt "add a greeting"
  $ kingly parallel status demo --json
  $ kingly parallel send demo 1 "also add a test"
  $ kingly parallel sync demo
  $ kingly parallel merge demo 1
  $ kingly parallel clean demo`,
    );
  for (const sub of [
    parallelInitCommand(), parallelStatusCommand(), parallelListCommand(), parallelLogsCommand(), parallelSendCommand(),
    parallelSyncCommand(), parallelMergeCommand(), parallelStopCommand(), parallelCleanCommand(),
  ]) command.addCommand(sub);
  return command;
}
