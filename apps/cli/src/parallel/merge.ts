import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ExitRequest } from '../errors.js';
import { addGlobalOptions } from '../options.js';
import { printJson, printLines, write } from '../output/write.js';
import { checkoutOf, git, gitMaybe, identityArgs, unmergedFiles } from './git.js';
import { findStream, localRepo, requireLocalRepo, streamHome, streamRuns, withStreamSet, type SetContext } from './context.js';
import { runHostJobs, said, saidAll } from './host-job.js';
import { MERGE_SCRIPT } from './host-scripts.js';

export function parallelMergeCommand(): Command {
  const command = new Command('merge')
    .summary('merge one stream into the base branch (or --into)')
    .description(
      "Merge the stream's branch into the base branch (or --into BRANCH) in a temporary worktree. On a conflict nothing " +
        'changes and the conflicting files are listed (exit 1). When the target branch is checked out in a clean checkout, ' +
        'that checkout is fast-forwarded to the merge; a checkout with uncommitted changes is refused before merging. For a ' +
        "set of a URL repository the merge runs as a kingly job on the host that holds the stream's worktree, in a temporary " +
        "worktree of that worker's mirror (removed after): the target branch is fetched from the URL and the merge is pushed " +
        "to it (git push origin HEAD:<into>) with that worker's git credentials. merge waits for the job; with no worker of " +
        'that host up it stays queued until one starts (Ctrl-C leaves it queued).',
    )
    .argument('<name>', 'the stream set')
    .argument('<stream>', 'the stream')
    .option('--into <branch>', 'merge into this branch instead of the base')
    .option('--json', 'print { into, commit } or { conflicts } as JSON')
    .addHelpText('after', '\nExamples:\n  $ kingly parallel merge demo 1\n  $ kingly parallel merge demo 2 --into release');
  addGlobalOptions(command);
  return command.action(async (name: string, stream: string, options: { into?: string; json?: boolean }, cmd: Command) => {
    await withStreamSet(cmd, name, async (ctx) => {
      const { badInput } = await import('@kingly/cmd');
      const entry = await findStream(ctx.set, stream);
      const local = localRepo(ctx.set);
      if (!local) return mergeOnHost(ctx, entry, options);
      const repo = await requireLocalRepo(local, ctx.set, 'merge');
      const into = options.into ?? ctx.set.base;
      const old = await gitMaybe(repo, 'rev-parse', '--verify', '-q', `refs/heads/${into}`);
      if (!old) throw badInput(`'${into}' is not a branch of ${repo}`, 'give --into BRANCH');
      if (!(await gitMaybe(repo, 'rev-parse', '--verify', '-q', `refs/heads/${entry.branch}`))) throw badInput(`branch ${entry.branch} does not exist (yet)`);
      const checkout = await checkoutOf(repo, into);
      if (checkout && (await git(checkout, 'status', '--porcelain', '--untracked-files=no')) !== '') {
        throw badInput(`${into} is checked out at ${checkout} with uncommitted changes`, 'commit or stash them, then merge again');
      }
      const temp = await mkdtemp(join(tmpdir(), 'kingly-merge-'));
      const worktree = join(temp, 'checkout');
      let commit: string;
      try {
        await git(repo, 'worktree', 'add', '--quiet', '--detach', worktree, old);
        try {
          await git(worktree, ...(await identityArgs(worktree)), 'merge', '--no-ff', '--no-edit', '--quiet', '-m', `Merge stream ${entry.branch} into ${into}`, entry.branch);
        } catch {
          const conflicts = await unmergedFiles(worktree);
          await gitMaybe(worktree, 'merge', '--abort');
          if (options.json) await printJson({ into, conflicts });
          else await write(process.stderr, `kingly: ${entry.branch} conflicts with ${into} in ${conflicts.length} file(s): ${conflicts.join(' ')}; nothing was merged (kingly parallel sync ${name} shows them too)\n`);
          throw new ExitRequest(1);
        }
        commit = await git(worktree, 'rev-parse', 'HEAD');
      } finally {
        await gitMaybe(repo, 'worktree', 'remove', '--force', worktree);
        await rm(temp, { recursive: true, force: true });
        await gitMaybe(repo, 'worktree', 'prune');
      }
      // The target moves to the merge: its clean checkout follows by fast-forward, else the ref moves (if nobody moved it meanwhile).
      if (checkout) await git(checkout, 'merge', '--ff-only', '--quiet', commit);
      else await git(repo, 'update-ref', '-m', `kingly parallel merge ${name} ${stream}`, `refs/heads/${into}`, commit, old);
      if (options.json) return printJson({ into, commit });
      return printLines(`merged ${entry.branch} into ${into}: ${commit.slice(0, 12)}`);
    });
  });
}

/** A URL set: the merge runs on the stream's host (MERGE_SCRIPT) and is pushed to the URL. */
async function mergeOnHost(ctx: SetContext, entry: { stream: string; branch: string }, options: { into?: string; json?: boolean }): Promise<void> {
  const { badInput, redactRepo } = await import('@kingly/cmd');
  const url = redactRepo(ctx.set.repo);
  const home = streamHome((await streamRuns(ctx)).get(entry.stream) ?? []);
  if (!home?.worktreePath) throw badInput(`stream ${entry.stream} of '${ctx.set.name}' has no worktree (yet): its branch is made by its first run`);
  const [done] = await runHostJobs(ctx, [{ home, name: `parallel merge ${ctx.set.name}/${entry.stream}`, script: MERGE_SCRIPT, args: [options.into ?? ctx.set.base, entry.branch], cwd: home.worktreePath }]);
  const into = said(done!, 'into') ?? options.into ?? ctx.set.base;
  const missing = said(done!, 'missing');
  if (missing !== undefined) throw badInput(`'${missing}' is not a branch of ${url}`, 'give --into BRANCH');
  if (done!.failure) {
    await write(process.stderr, `kingly: merging ${entry.branch} into ${into} failed: ${done!.failure}\n`);
    throw new ExitRequest(1);
  }
  if (said(done!, 'outcome') === 'conflict') {
    const conflicts = saidAll(done!, 'conflict');
    if (options.json) await printJson({ into, conflicts });
    else await write(process.stderr, `kingly: ${entry.branch} conflicts with ${into} in ${conflicts.length} file(s): ${conflicts.join(' ')}; nothing was merged (kingly parallel sync ${ctx.set.name} shows them too)\n`);
    throw new ExitRequest(1);
  }
  const commit = said(done!, 'commit') ?? '';
  if (options.json) return printJson({ into, commit });
  return printLines(`merged ${entry.branch} into ${into} of ${url} on ${home.host}: ${commit.slice(0, 12)}`);
}
