import { existsSync } from 'node:fs';
import { Command } from 'commander';
import type { JobRecord } from '@kingly/cmd';
import { ExitRequest } from '../errors.js';
import { addGlobalOptions } from '../options.js';
import { printJson, printLines } from '../output/write.js';
import { git, gitMaybe, identityArgs, unmergedFiles } from './git.js';
import { localRepo, requireLocalRepo, streamHome, streamRuns, streamWorktree, withStreamSet, type SetContext } from './context.js';
import { runHostJobs, said, saidAll } from './host-job.js';
import { SYNC_SCRIPT } from './host-scripts.js';

/** What sync did to one stream. */
interface SyncResult {
  stream: string;
  branch: string;
  /** `synced`, `up-to-date`, `conflict` (left as it was), `skipped` (running, no worktree), or `failed` (its git job, see note). */
  outcome: 'synced' | 'up-to-date' | 'conflict' | 'skipped' | 'failed';
  /** A commit made of what the agent left uncommitted. */
  committed: boolean;
  conflicts: string[];
  note?: string;
}

export function parallelSyncCommand(): Command {
  const command = new Command('sync')
    .summary("bring the base's new commits into every stream")
    .description(
      'In each stream\'s worktree (never your checkout): commit what the agent left uncommitted, as a commit of its own that ' +
        "says so, then merge the base into the stream's branch (--rebase: rebase onto it). A stream that would conflict is left " +
        'as it was and reported with its files; running streams are skipped. Exit 1 when a stream conflicted. For a set of a ' +
        "URL repository the work runs as a kingly job on the host that holds each stream's worktree (the base is fetched from " +
        'the URL with that worker\'s git credentials); sync waits for those jobs, and a host with no worker up keeps its job ' +
        'queued until one starts (Ctrl-C leaves them queued).',
    )
    .argument('<name>', 'the stream set')
    .option('--rebase', 'rebase the streams onto the base instead of merging it')
    .option('--json', 'print one result per stream as JSON')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel sync demo\n  $ kingly parallel sync demo --rebase');
  addGlobalOptions(command);
  return command.action(async (name: string, options: { rebase?: boolean; json?: boolean }, cmd: Command) => {
    await withStreamSet(cmd, name, async (ctx) => {
      const local = localRepo(ctx.set);
      const repo = local ? await requireLocalRepo(local, ctx.set, 'sync') : undefined;
      const runs = await streamRuns(ctx);
      const results: SyncResult[] = [];
      for (const entry of ctx.set.streams) {
        const list = runs.get(entry.stream) ?? [];
        const result: SyncResult = { stream: entry.stream, branch: entry.branch, outcome: 'skipped', committed: false, conflicts: [] };
        results.push(result);
        const state = list.at(-1)?.state;
        const worktree = streamWorktree(list);
        if (state === 'queued' || state === 'running') result.note = `its agent is ${state}`;
        else if (!worktree || (repo && !existsSync(worktree))) result.note = 'it has no worktree';
        else if (repo) await syncOne(worktree, ctx.set.base, options.rebase === true, result);
      }
      if (!repo) await syncOnHosts(ctx, runs, results, options.rebase === true);
      if (options.json) await printJson(results);
      else {
        await printLines(
          ...results.map((r) => {
            const what = r.outcome === 'conflict' ? `conflict, left as it was: ${r.conflicts.join(' ')}` : r.outcome === 'skipped' || r.outcome === 'failed' ? `${r.outcome}: ${r.note}` : r.outcome;
            return `${r.stream}\t${r.branch}\t${r.committed ? 'committed leftovers; ' : ''}${what}`;
          }),
        );
      }
      if (results.some((r) => r.outcome === 'conflict' || r.outcome === 'failed')) throw new ExitRequest(1);
    });
  });
}

async function syncOne(worktree: string, base: string, rebase: boolean, result: SyncResult): Promise<void> {
  const identity = await identityArgs(worktree);
  if ((await git(worktree, 'status', '--porcelain')) !== '') {
    await git(worktree, 'add', '-A');
    await git(worktree, ...identity, 'commit', '--quiet', '-m', 'kingly parallel sync: commit what the agent left uncommitted');
    result.committed = true;
  }
  const before = await git(worktree, 'rev-parse', 'HEAD');
  try {
    if (rebase) await git(worktree, ...identity, 'rebase', '--quiet', base);
    else await git(worktree, ...identity, 'merge', '--no-edit', '--quiet', base);
  } catch {
    result.conflicts = await unmergedFiles(worktree);
    await gitMaybe(worktree, rebase ? 'rebase' : 'merge', '--abort');
    result.outcome = 'conflict';
    return;
  }
  result.outcome = (await git(worktree, 'rev-parse', 'HEAD')) === before ? 'up-to-date' : 'synced';
}

/** A URL set: each stream not skipped syncs in a job on its worktree's host (SYNC_SCRIPT), all at once. */
async function syncOnHosts(ctx: SetContext, runs: ReadonlyMap<string, readonly JobRecord[]>, results: SyncResult[], rebase: boolean): Promise<void> {
  const todo = results.filter((r) => r.note === undefined);
  const jobs = todo.map((r) => {
    const home = streamHome(runs.get(r.stream) ?? [])!;
    return { home, name: `parallel sync ${ctx.set.name}/${r.stream}`, script: SYNC_SCRIPT, args: [ctx.set.base, r.branch, rebase ? '1' : '0'], cwd: home.worktreePath! };
  });
  const done = await runHostJobs(ctx, jobs);
  todo.forEach((result, i) => {
    const job = done[i]!;
    result.committed = said(job, 'committed') !== undefined;
    result.conflicts = saidAll(job, 'conflict');
    const outcome = said(job, 'outcome');
    if (job.failure || (outcome !== 'synced' && outcome !== 'up-to-date' && outcome !== 'conflict')) {
      result.outcome = 'failed';
      result.note = job.failure ?? `job ${job.job.id} said no outcome (kingly logs ${job.job.id})`;
    } else result.outcome = outcome;
  });
}
