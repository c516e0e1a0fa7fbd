import { Command } from 'commander';
import type { KinglyClient } from '@kingly/cmd';
import { addGlobalOptions } from '../options.js';
import { paintState } from '../output/colour.js';
import { formatTable } from '../output/table.js';
import { printJson, write } from '../output/write.js';
import { streamRuns, withStreamSet } from './context.js';
import type { StreamSet } from './stream-set.js';
import { setStatus, type SetStatus } from './stream-status.js';

const WATCH_EVERY_MS = 1000;

export function parallelStatusCommand(): Command {
  const command = new Command('status')
    .summary("one row per stream: state, agent figures, git against the base")
    .description(
      "Each stream's state, host, elapsed time, turns, tokens, cost and last action (added up over its runs), its commits " +
        'ahead of and behind the base, files changed and files that would conflict with the base; then totals.',
    )
    .argument('<name>', 'the stream set')
    .option('--json', 'print { name, base, repo, streams: [{ stream, branch, worktree, host, jobId, state, agent, git }], totals }')
    .option('--watch', 'redraw every second until every stream has ended (Ctrl-C stops)')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel status demo\n  $ kingly parallel status demo --json | jq .totals');
  addGlobalOptions(command);
  return command.action(async (name: string, options: { json?: boolean; watch?: boolean }, cmd: Command) => {
    await withStreamSet(cmd, name, async (ctx) => {
      if (!options.watch) return printSetStatus(ctx, options.json === true);
      for (;;) {
        const status = await setStatus(ctx.set, await streamRuns(ctx));
        const text = options.json ? `${JSON.stringify(status)}\n` : renderStatus(status);
        await write(process.stdout, process.stdout.isTTY && !options.json ? `\x1b[H\x1b[2J${text}` : text);
        if (status.streams.every((s) => !['queued', 'running'].includes(s.state))) return;
        await new Promise((resolve) => setTimeout(resolve, WATCH_EVERY_MS)); // a redraw interval, not a synchronisation
      }
    });
  });
}

/** Prints the set's status once (a table, or JSON). */
export async function printSetStatus(ctx: { client: KinglyClient; set: StreamSet }, json: boolean): Promise<void> {
  const status = await setStatus(ctx.set, await streamRuns(ctx));
  if (json) return printJson(status);
  await write(process.stdout, renderStatus(status));
}

const money = (usd: number): string => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
const tokens = (n: number): string => (n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));

export function renderStatus(status: SetStatus): string {
  const rows = status.streams.map((s) => [
    s.stream,
    paintState(s.state),
    s.host ?? '-',
    s.elapsedMs === null ? '-' : `${Math.round(s.elapsedMs / 1000)}s`,
    String(s.agent.turns),
    `${tokens(s.agent.inputTokens)}/${tokens(s.agent.outputTokens)}`,
    money(s.agent.costUsd),
    s.git ? `+${s.git.ahead}/-${s.git.behind}` : '-',
    s.git ? String(s.git.filesChanged) : '-',
    s.git ? (s.git.conflicts.length > 0 ? s.git.conflicts.join(' ') : 'none') : '-',
    (s.agent.result ? `${s.agent.result.subtype}: ${s.agent.result.text}` : (s.agent.lastTool ?? s.agent.lastText ?? '')).slice(0, 60),
  ]);
  const head = ['stream', 'state', 'host', 'elapsed', 'turns', 'tokens in/out', 'cost', 'ahead/behind', 'files', 'conflicts', 'last action'];
  return `${status.name}: ${status.streams.length} stream(s) from ${status.base} in ${status.repo}\n${formatTable(head, rows)}total: ${status.totals.turns} turns, ${money(status.totals.costUsd)}\n`;
}
