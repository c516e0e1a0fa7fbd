import { resolve } from 'node:path';
import { Command } from 'commander';
import type { JobSpec } from '@kingly/cmd';
import { withClient } from '../context.js';
import { addGlobalOptions, integer } from '../options.js';
import { printJson, printLines } from '../output/write.js';
import { agentSettings, type AgentSettings } from './agent-settings.js';
import { git, gitMaybe } from './git.js';
import { createStreamSet, deleteStreamSet, streamGroup, streamJobName, type StreamEntry, type StreamSet } from './stream-set.js';
import { readTasks } from './tasks.js';

interface InitOptions {
  readonly streams?: number;
  readonly prompt?: string;
  readonly promptFile?: string;
  readonly tasks?: string;
  readonly agent: string;
  readonly base?: string;
  readonly repo?: string;
  readonly maxTurns?: number;
  readonly budgetUsd?: number;
  readonly follow?: boolean;
  readonly json?: boolean;
}

export function parallelInitCommand(): Command {
  const command = new Command('init')
    .summary('start N agent streams, each on its own branch in a kept worktree')
    .description(
      'Make one branch per stream (<name>/<i>, or <name>/<task> with --tasks) at --base and queue one agent job on each, in a ' +
        'worktree the worker keeps, so the agent can run on any worker. The streams form a group. Nothing is queued when the ' +
        'base is unknown, a stream of that name exists, or the repository is missing or has uncommitted changes.',
    )
    .argument('<name>', 'name of the stream set (a prefix of its branch names)')
    .option('--streams <n>', 'how many streams run the same prompt (1-100)', integer(1, 100))
    .option('--prompt <text>', 'the prompt every stream starts with')
    .option('--prompt-file <file>', 'read the prompt from a file')
    .option('--tasks <file>', 'a JSON or YAML list of { name, prompt }: one stream per task, branch <name>/<task>')
    .option('--agent <name>', 'agents.<name> of kingly.config.json, or the built-in claude', 'claude')
    .option('--base <ref>', 'where the branches start (default: HEAD, as the branch it is on)')
    .option('--repo <path|url>', 'the repository (default: the one around the current directory)')
    .option('--max-turns <n>', 'passed to the agent (its maxTurns arguments)', integer(1, 100_000))
    .option('--budget-usd <usd>', "stop a stream once the agent's cost passes this many US dollars", usd)
    .option('-f, --follow', 'wait until every stream has ended, then print their status')
    .option('--json', 'print the stream set (and with -f its status) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly parallel init demo --streams=2 --prompt "add a greeting"
  $ kingly parallel init fix --tasks tasks.json --budget-usd 2 --max-turns 30
  $ kingly parallel status demo`,
    );
  addGlobalOptions(command);
  return command.action(async (name: string, options: InitOptions, cmd: Command) => {
    const { badInput, checkBranchName, isRepoUrl } = await import('@kingly/cmd');
    const sources = [options.prompt !== undefined, options.promptFile !== undefined, options.tasks !== undefined].filter(Boolean).length;
    if (sources !== 1) throw badInput('give exactly one of --prompt, --prompt-file or --tasks');
    if (options.tasks !== undefined && options.streams !== undefined) throw badInput('--streams and --tasks do not go together: --tasks makes one stream per task');
    if (options.tasks === undefined && options.streams === undefined) throw badInput('--streams=N is needed with --prompt or --prompt-file');
    const why = checkBranchName(`${name}/x`);
    if (why || name.includes('/')) throw badInput(`<name>: '${name}' cannot start a branch name <name>/<stream>${why ? `: ${why}` : " (no '/')"}`);
    const tasks = options.tasks !== undefined ? await readTasks(options.tasks) : undefined;
    const prompt = options.prompt ?? (options.promptFile !== undefined ? await readPrompt(options.promptFile) : undefined);
    if (prompt !== undefined && (prompt.trim() === '' || prompt.includes('\0'))) throw badInput('--prompt: expected non-empty text without NUL bytes');
    const streams: StreamEntry[] = tasks
      ? tasks.map((t) => ({ stream: t.name, branch: `${name}/${t.name}`, prompt: t.prompt }))
      : Array.from({ length: options.streams! }, (_, i) => ({ stream: String(i + 1), branch: `${name}/${i + 1}`, prompt: prompt! }));

    await withClient(cmd, async (client, config) => {
      const settings = await agentSettings(config, options.agent);
      const repoArg = options.repo ?? process.cwd();
      const { repo, base, baseCommit } = isRepoUrl(repoArg) ? { repo: repoArg, base: options.base ?? 'HEAD', baseCommit: options.base ?? 'HEAD' } : await checkLocalRepo(resolve(repoArg), name, streams, options.base);
      const set: StreamSet = {
        name, repo, base, baseCommit, agent: settings.name, createdAt: Date.now(), streams,
        ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}),
        ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
      };
      const { createKeys, parseSpec } = await import('@kingly/cmd');
      const keys = createKeys(config.prefix);
      const redis = await client.redis();
      // Every spec is checked (a prompt too big for argv, say) before the set is written or anything queued.
      const specs = await Promise.all(streams.map((s) => streamSpec(set, s, settings, { prompt: s.prompt, worktree: { repo, ref: baseCommit, branch: s.branch, keep: true } })));
      specs.forEach((spec, i) => parseSpec(spec, i));
      if (!(await createStreamSet(redis, keys, set))) {
        throw badInput(`a stream set named '${name}' exists already`, `see kingly parallel status ${name}; remove it with kingly parallel clean ${name}`);
      }
      let ids: string[];
      try {
        ids = (await client.enqueueMany(specs)).map((j) => j.id);
      } catch (error) {
        await deleteStreamSet(redis, keys, name);
        throw error;
      }
      if (!options.follow) {
        if (options.json) return printJson({ ...set, jobs: Object.fromEntries(streams.map((s, i) => [s.stream, ids[i]])) });
        return printLines(
          `stream set ${name}: ${streams.length} stream(s) of ${settings.name} from ${base} (${baseCommit.slice(0, 12)})`,
          ...streams.map((s, i) => `  ${s.stream}\t${s.branch}\tjob ${ids[i]}`),
          `follow with: kingly parallel status ${name} --watch`,
        );
      }
      await client.waitForJobs(ids);
      const { printSetStatus } = await import('./status.js');
      return printSetStatus({ client, set }, options.json === true);
    });
  });
}

/** The job spec of one run of a stream: its first (in a new kept worktree) or a `send` (in that worktree again). */
export async function streamSpec(
  set: StreamSet,
  stream: StreamEntry,
  settings: AgentSettings,
  run: { prompt: string; sessionId?: string; budgetUsd?: number } & ({ worktree: NonNullable<JobSpec['worktree']> } | { cwd: string }),
): Promise<JobSpec> {
  const { agentArgv } = await import('@kingly/cmd');
  const { agent } = settings;
  const budgetUsd = run.budgetUsd ?? set.budgetUsd;
  return {
    argv: agentArgv(agent, { prompt: run.prompt, ...(run.sessionId !== undefined ? { sessionId: run.sessionId } : {}), ...(set.maxTurns !== undefined ? { maxTurns: set.maxTurns } : {}) }),
    ...(Object.keys(agent.env).length > 0 ? { env: { ...agent.env } } : {}),
    name: streamJobName(set.name, stream.stream),
    group: streamGroup(set.name),
    tags: ['parallel'],
    ...('worktree' in run ? { worktree: run.worktree } : { cwd: run.cwd }),
    agent: {
      name: settings.name,
      format: agent.format,
      stream: stream.stream,
      maxConcurrent: settings.maxConcurrent,
      ...(budgetUsd !== undefined ? { budgetUsd } : {}),
      ...(settings.prices ? { prices: settings.prices } : {}),
    },
  };
}

function usd(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new Error(`expected a positive amount of US dollars such as 0.5 or 2, got '${value}'`);
  return n;
}

async function readPrompt(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const { badInput } = await import('@kingly/cmd');
    throw badInput(`--prompt-file: cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Checks the repository before anything is queued: it exists, is clean, the base is a commit, no stream branch exists. */
async function checkLocalRepo(dir: string, name: string, streams: readonly StreamEntry[], baseRef: string | undefined): Promise<{ repo: string; base: string; baseCommit: string }> {
  const { badInput } = await import('@kingly/cmd');
  const repo = await gitMaybe(dir, 'rev-parse', '--show-toplevel');
  if (!repo) throw badInput(`${dir} is not a git repository`, 'run it inside one, or give --repo PATH|URL');
  const dirty = await git(repo, 'status', '--porcelain', '--untracked-files=no');
  if (dirty !== '') throw badInput(`${repo} has uncommitted changes (${dirty.split('\n').length} file(s)); the streams would not see them`, 'commit or stash them first');
  const ref = baseRef ?? 'HEAD';
  const baseCommit = await gitMaybe(repo, 'rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`);
  if (!baseCommit) throw badInput(`--base: '${ref}' is not a commit in ${repo}`, 'give a branch, tag or sha that exists');
  // A stream syncs from the base's branch: HEAD is named by the branch it is on.
  const base = ref === 'HEAD' ? ((await gitMaybe(repo, 'symbolic-ref', '--short', '-q', 'HEAD')) ?? baseCommit) : ref;
  const taken = [name, ...streams.map((s) => s.branch)];
  for (const branch of taken) {
    if (await gitMaybe(repo, 'rev-parse', '--verify', '-q', `refs/heads/${branch}`)) {
      throw badInput(`branch '${branch}' exists already in ${repo}: stream set '${name}' would need it`, `pick another name, or delete it (git branch -D ${branch})`);
    }
  }
  return { repo, base, baseCommit };
}
