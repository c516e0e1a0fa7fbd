import { Command } from 'commander';
import { withClient } from '../context.js';
import { addGlobalOptions } from '../options.js';
import { formatTable } from '../output/table.js';
import { printJson, write } from '../output/write.js';
import { streamRuns } from './context.js';
import { listStreamSets } from './stream-set.js';
import { streamAgent } from './stream-status.js';

export function parallelListCommand(): Command {
  const command = new Command('list')
    .summary('every stream set')
    .description('Every stream set kingly parallel init made (and clean has not removed): its base, streams by state, turns and cost.')
    .option('--json', 'print the sets as JSON')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel list');
  addGlobalOptions(command);
  return command.action(async (options: { json?: boolean }, cmd: Command) => {
    await withClient(cmd, async (client, config) => {
      const { createKeys } = await import('@kingly/cmd');
      const sets = await listStreamSets(await client.redis(), createKeys(config.prefix));
      const rows = await Promise.all(
        sets.map(async (set) => {
          const runs = await streamRuns({ client, set });
          const states: Record<string, number> = {};
          let turns = 0;
          let costUsd = 0;
          for (const list of runs.values()) {
            const state = list.at(-1)?.state ?? 'missing';
            states[state] = (states[state] ?? 0) + 1;
            const agent = streamAgent(list);
            turns += agent.turns;
            costUsd += agent.costUsd;
          }
          return { name: set.name, base: set.base, repo: set.repo, agent: set.agent, streams: set.streams.length, states, turns, costUsd: Math.round(costUsd * 1e6) / 1e6, createdAt: new Date(set.createdAt).toISOString() };
        }),
      );
      if (options.json) return printJson(rows);
      if (rows.length === 0) return write(process.stdout, 'no stream sets (make one with kingly parallel init)\n');
      const describe = (states: Record<string, number>): string => Object.entries(states).map(([s, n]) => `${n} ${s}`).join(', ');
      await write(process.stdout, formatTable(['name', 'base', 'streams', 'states', 'turns', 'cost', 'repo'], rows.map((r) => [r.name, r.base, r.streams, describe(r.states), r.turns, `$${r.costUsd.toFixed(4)}`, r.repo])));
    });
  });
}
