import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { addGlobalOptions } from '../options.js';
import { printJson, printLines } from '../output/write.js';
import { git, gitMaybe } from './git.js';
import { localRepo, streamRuns, streamWorktree, withStreamSet } from './context.js';
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
        'merged is kept and named (delete it too with --force); while one is kept the set stays listed, so clean can be run again.',
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
      if (repo && existsSync(repo)) {
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
        ...(repo ? [] : [`the repository is a URL: its worktrees and branches are in the workers' mirrors, not removed here`]),
      );
    });
  });
}
