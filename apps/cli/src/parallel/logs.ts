import { Command } from 'commander';
import { addGlobalOptions } from '../options.js';
import { write } from '../output/write.js';
import { findStream, streamRuns, withStreamSet } from './context.js';

export function parallelLogsCommand(): Command {
  const command = new Command('logs')
    .summary("a stream's agent output, readably")
    .description(
      "Print the agent's output of one stream, every run (init and each send) in order: assistant text, tool calls one line " +
        "each, the result. Lines that are not the agent's JSON are printed as they are; the raw lines stay in kingly logs <job>.",
    )
    .argument('<name>', 'the stream set')
    .argument('<stream>', 'the stream (1, 2… or a task name)')
    .option('-f, --follow', 'keep printing the newest run until it ends')
    .option('--json', 'print the raw log entries as JSON lines')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel logs demo 1\n  $ kingly parallel logs demo 2 -f');
  addGlobalOptions(command);
  return command.action(async (name: string, stream: string, options: { follow?: boolean; json?: boolean }, cmd: Command) => {
    await withStreamSet(cmd, name, async (ctx) => {
      await findStream(ctx.set, stream);
      const { renderAgentLine } = await import('./render-line.js');
      const runs = (await streamRuns(ctx)).get(stream) ?? [];
      for (const [i, run] of runs.entries()) {
        const newest = i === runs.length - 1;
        if (!options.json) await write(process.stdout, `── run ${i + 1}: job ${run.id} (${run.state}) ──\n`);
        for await (const entry of ctx.client.followLogs(run.id, { follow: newest && options.follow === true })) {
          if (options.json) await write(process.stdout, `${JSON.stringify(entry)}\n`);
          else if (entry.stream === 'stdout') await write(process.stdout, renderAgentLine(entry.line).map((l) => `${l}\n`).join(''));
          else await write(process.stdout, `${entry.stream === 'system' ? '' : '[stderr] '}${entry.line}\n`);
        }
      }
    });
  });
}
