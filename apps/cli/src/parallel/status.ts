import { Command } from 'commander';
import type { JobRecord } from '@kingly/cmd';
import { addGlobalOptions } from '../options.js';
import { paintState } from '../output/colour.js';
import { formatTable } from '../output/table.js';
import { printJson, write } from '../output/write.js';
import { localRepo, streamRuns, withStreamSet, type SetContext } from './context.js';
import { DEFAULT_GIT_TIMEOUT_MS, hostFigures, localFigures, type FiguresSeen, type StreamFigures } from './git-figures.js';
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
    .option('--json', 'print { name, base, repo, streams: [{ stream, branch, worktree, host, jobId, state, agent, git, gitNote? }], totals }')
    .option('--watch', 'redraw every second until every stream has ended (Ctrl-C stops)')
    .option('--git-timeout <duration>', 'a set of a URL repository: how long to wait for the git figures from its hosts (e.g. 5s)', `${DEFAULT_GIT_TIMEOUT_MS / 1000}s`)
    .option('--no-git', 'leave the git figures out (git: null)')
    .addHelpText(
      'after',
      '\nFor a set of a URL repository the git figures come from one kingly job per host that holds ended streams\' ' +
        "worktrees (in that worker's mirror, the base fetched from the URL); a host with no worker up, or a job not done " +
        'within --git-timeout (removed, not left queued), leaves its streams\' figures unknown (git: null, gitNote says why). ' +
        'With --watch a stream\'s figures are read once each time one of its runs has ended, not every frame.' +
        '\n\nExamples:\n  $ kingly parallel status demo\n  $ kingly parallel status demo --json | jq .totals',
    );
  addGlobalOptions(command);
  return command.action(async (name: string, options: { json?: boolean; watch?: boolean; git: boolean; gitTimeout: string }, cmd: Command) => {
    const { parseDuration } = await import('@kingly/cmd/lite');
    const figures: FiguresOptions = { git: options.git, timeoutMs: parseDuration(options.gitTimeout, '--git-timeout') };
    await withStreamSet(cmd, name, async (ctx) => {
      if (!options.watch) return printSetStatus(ctx, options.json === true, figures);
      // A URL set's figures are jobs on its hosts: read once for each run that has ended, not every frame.
      const seen: FiguresSeen = new Map();
      for (;;) {
        const runs = await streamRuns(ctx);
        const status = setStatus(ctx.set, runs, await setFigures(ctx, runs, figures, seen));
        const text = options.json ? `${JSON.stringify(status)}\n` : renderStatus(status);
        await write(process.stdout, process.stdout.isTTY && !options.json ? `\x1b[H\x1b[2J${text}` : text);
        if (status.streams.every((s) => !['queued', 'running'].includes(s.state))) return;
        await new Promise((resolve) => setTimeout(resolve, WATCH_EVERY_MS)); // a redraw interval, not a synchronisation
      }
    });
  });
}

/** Which git figures status shows. */
export interface FiguresOptions {
  /** Show them at all. @default true */
  readonly git: boolean;
  /** How long to wait for a URL set's figures from its hosts. @default DEFAULT_GIT_TIMEOUT_MS (15 s) */
  readonly timeoutMs: number;
}

/** The figures for setStatus: none (--no-git), read from the local repository here, or from jobs on the hosts. */
async function setFigures(ctx: Pick<SetContext, 'client' | 'set'>, runs: Map<string, JobRecord[]>, options: FiguresOptions, seen?: FiguresSeen): Promise<ReadonlyMap<string, StreamFigures>> {
  if (!options.git) return new Map();
  return localRepo(ctx.set) ? localFigures(ctx.set) : hostFigures(ctx, runs, options.timeoutMs, seen);
}

/** Prints the set's status once (a table, or JSON). */
export async function printSetStatus(ctx: Pick<SetContext, 'client' | 'set'>, json: boolean, figures: FiguresOptions = { git: true, timeoutMs: DEFAULT_GIT_TIMEOUT_MS }): Promise<void> {
  const runs = await streamRuns(ctx);
  const status = setStatus(ctx.set, runs, await setFigures(ctx, runs, figures));
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
