import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import type { JobRecord } from '@kingly/cmd';
import { ExitRequest } from '../errors.js';
import { addGlobalOptions } from '../options.js';
import { printJson, printLines, write } from '../output/write.js';
import { git, gitMaybe } from './git.js';
import { localRepo, streamHome, streamRuns, streamWorktree, withStreamSet, type SetContext } from './context.js';
import { runHostJobs, saidAll } from './host-job.js';
import { CLEAN_SCRIPT } from './host-scripts.js';
import { deleteStreamSet } from './stream-set.js';
import { stopStreams } from './stop.js';

interface CleanReport {
  stopped: string[];
  worktreesRemoved: string[];
  branchesDeleted: string[];
  /** Not merged into the base: kept (without --force). */
  branchesKept: string[];
  /** The set's record was removed (nothing of it is left, or --keep-branches). */
  removed: boolean;
}

export function parallelCleanCommand(): Command {
  const command = new Command('clean')
    .summary('stop the streams, remove their worktrees, delete merged branches')
    .description(
      "Stop every stream's agent, remove the streams' worktrees and delete the branches merged into the base. A branch not " +
        'merged is kept and named (delete it too with --force); while one is kept the set stays listed, so clean can be run again. ' +
        "For a set of a URL repository this runs as one kingly job per host that holds streams' worktrees (removing them and " +
        "the branches of that worker's mirror; merged means merged into the base as fetched from the URL); clean waits for " +
        'those jobs, and a host with no worker up keeps its job queued until one starts (Ctrl-C leaves it queued).',
    )
    .argument('<name>', 'the stream set')
    .option('--keep-branches', 'delete no branch')
    .option('--force', 'delete branches that are not merged too')
    .option('--json', 'print what was done as JSON')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel clean demo\n  $ kingly parallel clean demo --force');
  addGlobalOptions(command);
  return command.action(async (name: string, options: { keepBranches?: boolean; force?: boolean; json?: boolean }, cmd: Command) => {
    await withStreamSet(cmd, name, async (ctx) => {
      const report: CleanReport = { stopped: [], worktreesRemoved: [], branchesDeleted: [], branchesKept: [], removed: false };
      report.stopped = (await stopStreams(ctx)).map((r) => r.id);
      const repo = localRepo(ctx.set);
      if (!repo) await cleanOnHosts(ctx, report, options);
      else if (existsSync(repo)) {
        const runs = await streamRuns(ctx);
        for (const entry of ctx.set.streams) {
          const worktree = streamWorktree(runs.get(entry.stream) ?? []);
          if (worktree && existsSync(worktree)) {
            await git(repo, 'worktree', 'remove', '--force', '--force', worktree);
            report.worktreesRemoved.push(worktree);
          }
        }
        await gitMaybe(repo, 'worktree', 'prune');
        if (!options.keepBranches) {
          for (const entry of ctx.set.streams) {
            if (!(await gitMaybe(repo, 'rev-parse', '--verify', '-q', `refs/heads/${entry.branch}`))) continue;
            const merged = (await gitMaybe(repo, 'merge-base', '--is-ancestor', entry.branch, ctx.set.base)) !== undefined;
            if (merged || options.force) {
              await git(repo, 'branch', '-D', entry.branch);
              report.branchesDeleted.push(entry.branch);
            } else report.branchesKept.push(entry.branch);
          }
        }
      }
      if (report.branchesKept.length === 0 || options.keepBranches) {
        await deleteStreamSet(ctx.redis, ctx.keys, name);
        report.removed = true;
      }
      if (options.json) return printJson(report);
      return printLines(
        `stopped ${report.stopped.length} run(s); removed ${report.worktreesRemoved.length} worktree(s); deleted ${report.branchesDeleted.length} branch(es)`,
        ...(report.branchesKept.length > 0 ? [`kept ${report.branchesKept.length} branch(es) not merged into ${ctx.set.base}: ${report.branchesKept.join(' ')} (delete them with --force)`] : []),
      );
    });
  });
}

/**
 * A URL set: one job per host that holds streams' worktrees (CLEAN_SCRIPT) removes them and deletes
 * the branches of that host's mirror; a host whose job failed is reported and clean exits 1, the set
 * kept so clean can be run again.
 */
async function cleanOnHosts(ctx: SetContext, report: CleanReport, options: { keepBranches?: boolean; force?: boolean }): Promise<void> {
  const runs = await streamRuns(ctx);
  const byHost = new Map<string, { home: JobRecord; pairs: string[] }>();
  for (const entry of ctx.set.streams) {
    const home = streamHome(runs.get(entry.stream) ?? []);
    if (!home?.worktreePath) continue;
    const key = `${home.host ?? ''} ${dirname(dirname(home.worktreePath))}`;
    const group = byHost.get(key) ?? { home, pairs: [] };
    group.pairs.push(home.worktreePath, entry.branch);
    byHost.set(key, group);
  }
  const groups = [...byHost.values()];
  const done = await runHostJobs(ctx, groups.map(({ home, pairs }) => ({
    home,
    name: `parallel clean ${ctx.set.name}${home.host ? ` on ${home.host}` : ''}`,
    script: CLEAN_SCRIPT,
    args: [ctx.set.base, options.force ? '1' : '0', options.keepBranches ? '1' : '0', ...pairs],
    cwd: dirname(dirname(home.worktreePath!)),
  })));
  for (const result of done) {
    report.worktreesRemoved.push(...saidAll(result, 'removed'));
    report.branchesDeleted.push(...saidAll(result, 'deleted'));
    report.branchesKept.push(...saidAll(result, 'kept'));
  }
  const failures = done.filter((r) => r.failure);
  if (failures.length > 0) {
    for (const f of failures) await write(process.stderr, `kingly: cleaning '${ctx.set.name}' failed: ${f.failure}; the set is kept, run clean again\n`);
    throw new ExitRequest(1);
  }
}
