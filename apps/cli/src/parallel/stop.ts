import { Command } from 'commander';
import type { JobRecord } from '@kingly/cmd';
import { addGlobalOptions } from '../options.js';
import { printJson, printLines } from '../output/write.js';
import { findStream, streamRuns, withStreamSet, type SetContext } from './context.js';

export function parallelStopCommand(): Command {
  const command = new Command('stop')
    .summary("kill the agents' process trees (worktrees stay)")
    .description('Cancel the queued and running runs of every stream of the set, or of one stream; their whole process trees are killed. Worktrees and branches stay.')
    .argument('<name>', 'the stream set')
    .argument('[stream]', 'only this stream')
    .option('--json', 'print the ids of the stopped jobs as JSON')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel stop demo\n  $ kingly parallel stop demo 2');
  addGlobalOptions(command);
  return command.action(async (name: string, stream: string | undefined, options: { json?: boolean }, cmd: Command) => {
    await withStreamSet(cmd, name, async (ctx) => {
      if (stream !== undefined) await findStream(ctx.set, stream);
      const stopped = await stopStreams(ctx, stream);
      if (options.json) return printJson({ stopped: stopped.map((r) => r.id) });
      return printLines(stopped.length === 0 ? `nothing of '${name}' was running` : `stopped ${stopped.length} run(s) of '${name}': ${stopped.map((r) => r.id).join(' ')}`);
    });
  });
}

/** Cancels the live runs of the set (or of one stream) and waits until they have ended. */
export async function stopStreams(ctx: SetContext, stream?: string): Promise<JobRecord[]> {
  const runs = await streamRuns(ctx);
  const live = [...runs.entries()]
    .filter(([s]) => stream === undefined || s === stream)
    .flatMap(([, list]) => list)
    .filter((r) => r.state === 'queued' || r.state === 'running');
  await Promise.all(live.map((r) => ctx.client.cancel(r.id, { wait: true, graceMs: 5000 })));
  return live;
}
