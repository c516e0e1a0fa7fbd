import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { badInput, DEFAULT_QUEUE, hostQueueName } from '@kingly/cmd/lite';
import { resolveAfter } from '../after-flag.js';
import { redisUrlFor, withClient } from '../context.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { followJob } from '../follow-run.js';
import { notifyLater } from '../notify/later.js';
import { addGlobalOptions, envPair, integer, queueName } from '../options.js';
import { printLines, write } from '../output/write.js';
import { readCommandFile } from '../read-commands.js';
import { runGroup } from '../run-group.js';
import { limitsFromFlags, runSpecs, wantsGroup } from '../run-spec.js';
import { GIT_WORKTREE_FLAG, wantsWorktree, worktreeFlagsMistake, worktreeFromFlags, type WorktreeFlags } from '../run-worktree.js';

interface RunOptions extends WorktreeFlags {
  readonly follow?: boolean;
  readonly monitor?: boolean;
  readonly json?: boolean;
  readonly name?: string;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly queue?: string;
  readonly host?: string;
  readonly timeout?: string;
  readonly maxMemory?: string;
  readonly attempts?: number;
  readonly parallel?: boolean;
  readonly fromFile?: string;
  readonly jobs?: number;
  readonly failFast?: boolean;
  readonly group?: string;
  readonly priority?: number;
  readonly after?: string;
  readonly notify?: boolean;
}

export function runCommand(): Command {
  const command = new Command('run')
    .summary('run a command on a worker (or several at once)')
    .description(
      'Queue a shell command for a worker and print its job id. The words of the command are joined ' +
        'with spaces and run by `sh -c` on the worker. When the command is one argument, kingly options ' +
        'may follow it (`kingly run "npm test" --parallel`); when it is several words, every word after the ' +
        'first is the command\'s (a kingly option among them gets a warning). -- ends kingly\'s options: put it ' +
        'before a command that starts with a dash. With --parallel (or --from-file) each ' +
        'argument (line) is one whole command, and the jobs form one group.',
    )
    .argument('[command...]', 'the command to run (with --parallel: the commands)')
    .option('-f, --follow', 'print its output live (stdout to stdout, stderr to stderr) and exit with its exit code')
    .option('--monitor', 'same as --follow')
    .option('--name <name>', 'a label for the job (default: the command)')
    .option('--cwd <dir>', 'directory to run in (default: the current directory)')
    .option('--env <KEY=VALUE>', 'set an environment variable for the command (repeatable)', envPair)
    .option('--queue <queue>', `queue to put the job on (default: $KINGLY_QUEUE or "${DEFAULT_QUEUE}")`, queueName)
    .option('--host <host>', "run only on a worker of this host (its host id, as 'kingly jobs' and 'kingly status' show it): the job goes to queue <queue>@<host> and waits there until such a worker takes it")
    .option('--json', 'print {"id": …} (with --follow: then the output as JSON lines)')
    .option('--notify', 'a desktop notification when the job ends (notify-send, osascript, else a terminal bell; default: defaults.notify)')
    .option('--no-notify', 'no notification, whatever defaults.notify says')
    .option('--no-option-warning', 'no warning about kingly options inside a several-word command (or $KINGLY_NO_OPTION_WARNING=1)')
    .optionsGroup('Order:')
    .option('--priority <n>', "BullMQ priority: 1 is taken first (up to 2097152); jobs without one are taken before any job with one", integer(1, 2_097_152))
    .option('--after <id|name,…>', 'start only when these jobs have succeeded (comma-separated ids or names: the newest job with the name); cancelled, saying why, when one does not')
    .optionsGroup('Limits:')
    .option('--timeout <duration>', 'kill the whole tree after this long: 30s, 10m, 2h (default: defaults.timeout of kingly.config.json, else none)')
    .option('--max-memory <size>', 'kill the whole tree when its memory passes this: 512M, 2G (default: defaults.maxMemory, else none)')
    .option('--attempts <n>', 'run it up to N times in all while it fails (or its worker is lost)', integer(1, 100))
    .optionsGroup('Groups:')
    .option('--parallel', 'each argument is one whole command; run them as one group')
    .option('--from-file <file>', "the commands, one per line ('-' for standard input; blank lines and # comments skipped)")
    .option('-j, --jobs <n>', 'run at most N of the group at once, over all workers', integer(1, 10_000))
    .option('--fail-fast', 'the first failure cancels the rest of the group (their trees killed)')
    .option('--group <id>', 'the group id (default: a new one when the run makes a group)')
    .optionsGroup('Git worktree:')
    .option('--git-worktree', "run in a fresh git worktree of HEAD of the repository around --cwd, removed when the job ends; --git-worktree=REF for a branch, tag or commit (REF only after '=')")
    .addOption(new Option(`${GIT_WORKTREE_FLAG.valueFlag} <ref>`).hideHelp())
    .option('--branch <name>', 'check out this branch in the worktree (made at REF when new; it stays after the job) instead of a detached HEAD')
    .option('--keep-worktree', 'leave the worktree in place when the job ends')
    .option('--repo <path|url>', 'a repository other than the one around --cwd; a clone URL is mirrored by the worker')
    .configureHelp({ optionTerm: (option) => (option.long === GIT_WORKTREE_FLAG.flag ? `${GIT_WORKTREE_FLAG.flag}[=REF]` : option.flags) })
    .passThroughOptions()
    .addHelpText(
      'after',
      `
With --follow, a group shows one live row per job on a terminal (state, elapsed, CPU, memory,
last line) and a summary; piped, each output line comes as "[name] line", then the summary. It
exits 0 only when every job succeeded.

Examples:
  $ kingly run make test                  # prints the job id
  $ kingly run "npm test" --parallel -f   # one quoted command: the options after it are kingly's
  $ kingly run build --git-worktree       # one word: the same
  $ kingly run -f 'echo out; echo err >&2; exit 7'; echo $?   # out, err, 7
  $ kingly run --env MODE=ci --name build -- ./build.sh --fast
  $ kingly run -f --timeout 10m --max-memory 2G npm test
  $ kingly run --parallel -f "npm run lint" "npm test" "npm run build"
  $ kingly run --from-file commands.txt -j 4 --fail-fast -f
  $ kingly run --after build 'npm test'   # starts when the newest job named 'build' succeeded
  $ kingly run --priority 1 'make urgent' # taken before jobs of priority 2 and up
  $ kingly run --notify 'npm run e2e'      # a desktop notification when it ends
  $ kingly run -f 'seq 1 100000' | wc -l

With --git-worktree, the worker makes a checkout under KINGLY_HOME/worktrees for the job, runs the
command at the same place inside it as --cwd is in the repository, and removes it when the job
ends; commits made on a --branch stay on that branch. With --parallel, each command gets its own.

  $ kingly run --git-worktree -f npm test              # a clean checkout of HEAD
  $ kingly run --git-worktree=v1.2 -f npm test         # of tag v1.2 (the value only after '=')
  $ kingly run --git-worktree --branch fix/42 -f ./fix.sh   # on branch fix/42, kept with its commits
  $ kingly run --git-worktree --keep-worktree -f make  # leave the checkout (kingly show <id>: worktree)
  $ kingly run --git-worktree=main --repo https://github.com/org/app.git -f npm test
  $ kingly run --git-worktree --parallel -f "npm run lint" "npm test"   # one worktree each`,
    );
  addGlobalOptions(command);
  return command.action(async (words: string[], options: RunOptions, cmd: Command) => {
    if (options.fromFile !== undefined && words.length > 0) {
      throw badInput('give the commands as arguments or with --from-file, not both');
    }
    if (options.fromFile === undefined && words.length === 0) {
      cmd.error("error: missing required argument 'command'", { code: 'commander.missingArgument' });
    }
    const limits = limitsFromFlags(options);
    const several = options.parallel === true || options.fromFile !== undefined;
    const commands = options.fromFile !== undefined ? await readCommandFile(options.fromFile) : several ? words : [words.join(' ')];
    const mistake = worktreeFlagsMistake(options, commands.length);
    if (mistake !== undefined) cmd.error(mistake, { code: 'kingly.worktreeFlags' });
    const cwd = resolve(options.cwd ?? process.cwd());
    // Checked here, before any connection: a repository that cannot give what is asked fails now.
    const worktree = wantsWorktree(options) ? await worktreeFromFlags(options, cwd) : undefined;
    const follow = options.follow === true || options.monitor === true;
    const json = options.json === true;
    await withClient(
      cmd,
      async (client, config) => {
        // The host's queue (`<queue>@<host>`): only a worker on that host takes from it.
        const queue = options.host !== undefined ? hostQueueName(config.queue, options.host) : config.queue;
        const after = options.after !== undefined ? await resolveAfter(client, options.after) : undefined;
        const { specs, group } = runSpecs(commands, { ...options, ...(after ? { afterIds: after } : {}) }, {
          cwd,
          ...(worktree ? { worktree } : {}),
          limits,
          defaults: config.runDefaults,
          grouped: several || wantsGroup(options),
        });
        if (!several) {
          const { id } = await client.enqueue(specs[0]!, { queue });
          if (options.notify ?? config.notify) {
            notifyLater([id], await redisUrlFor(config), config.prefix);
          }
          if (json) await printLines(JSON.stringify({ id, ...(group !== undefined ? { group } : {}) }));
          else if (!follow) await printLines(id);
          // People at a terminal are told what comes next; scripts read the bare id on stdout.
          if (!follow && !json && process.stderr.isTTY) await write(process.stderr, `kingly: follow with 'kingly logs -f ${id}' (or 'kingly wait ${id}')\n`);
          if (!follow) return;
          const code = await followJob(client, id, { json, queue });
          if (code !== ExitCode.OK) throw new ExitRequest(code);
          return;
        }
        const code = await runGroup(client, specs, group!, { queue, follow, json });
        if (code !== ExitCode.OK) throw new ExitRequest(code);
      },
      options.queue !== undefined ? { queue: options.queue } : {},
    );
  });
}
