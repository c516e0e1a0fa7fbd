import { Command } from 'commander';
import { badInput, parseDuration } from '@kingly/cmd/lite';
import { withClient } from '../context.js';
import { addGlobalOptions } from '../options.js';
import { printJson } from '../output/write.js';
import { TopModel } from './model.js';

interface TopOptions {
  readonly interval?: string;
  readonly json?: boolean;
}

/** Switch to the terminal's alternate screen (the shell's screen comes back on exit), and back. */
const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

export function topCommand(): Command {
  const command = new Command('top')
    .summary('full-screen dashboard: workers, running jobs with CPU/RSS, recent jobs; kill, restart, output')
    .description(
      'A live dashboard in the terminal, like htop for kingly: the workers, the running jobs with CPU and ' +
        'memory bars and sparklines of their last minute, and the jobs that ended lately. Keys: ↑/↓ select, ' +
        'Enter shows the job\'s live output (Esc/q back), k kills it (asks first), r runs an ended job again ' +
        'as a new job (asks first), / filters by id, name, command, queue or state (Esc clears), q quits. ' +
        'Works in 80×24 and over SSH; NO_COLOR turns colours off.',
    )
    .option('--interval <duration>', 'refresh this often: 500ms, 2s (default: 1s)')
    .option('--json', 'print one snapshot as JSON (workers, counts, running jobs with their recent CPU and RSS, recent jobs) and exit')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly top
  $ kingly top --interval 2s
  $ NO_COLOR=1 kingly top
  $ kingly top --json | jq '.running[] | {id: .record.id, cpu}'`,
    );
  addGlobalOptions(command);
  return command.action(async (options: TopOptions, cmd: Command) => {
    const intervalMs = options.interval === undefined ? 1000 : parseDuration(options.interval, '--interval');
    if (intervalMs < 100) throw badInput(`--interval must be at least 100ms, got '${options.interval}'`);
    await withClient(cmd, async (client) => {
      const model = new TopModel(client);
      if (options.json) {
        return printJson(await model.refresh());
      }
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw badInput("kingly top needs a terminal (stdin and stdout); use 'kingly status --watch' or 'kingly top --json' in scripts");
      }
      // ink and React: loaded for the screen only.
      const { runTop } = await import('./app.js');
      process.stdout.write(ALT_SCREEN_ON);
      try {
        await runTop({ client, model, intervalMs, color: !process.env.NO_COLOR });
      } finally {
        process.stdout.write(ALT_SCREEN_OFF);
      }
    });
  });
}
