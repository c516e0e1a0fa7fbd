import { Command } from 'commander';
import { loadConfig } from '../context.js';
import { addGlobalOptions } from '../options.js';
import { printJson, write } from '../output/write.js';

export function upCommand(): Command {
  const command = new Command('up')
    .summary('start the local stack (redis + worker)')
    .description(
      'Start the private local stack under KINGLY_HOME (default ~/.kingly): a redis-server on a unix ' +
        'socket with its data kept (AOF), and a worker daemon. Both outlive the terminal; stop them ' +
        "with 'kingly down'. Does nothing when the stack is already running. Commands that need Redis\n" +
        'start the stack themselves when no Redis URL is configured.',
    )
    .option('--json', 'print where things are as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly up
  $ KINGLY_HOME=/tmp/kingly kingly up --json`,
    );
  addGlobalOptions(command);
  return command.action(async (options: { json?: boolean }, cmd: Command) => {
    const config = await loadConfig(cmd);
    const { upStack } = await import('../stack/stack.js');
    const report = await upStack(config);
    if (options.json) return printJson(report);
    const lines = [
      report.started.length === 0 ? `the local stack is already running in ${report.home}` : `started the local stack in ${report.home}`,
      `  redis   ${report.redisUrl}  (pid ${report.redis.pid}, log ${report.redis.log})`,
      `  worker  queue '${report.worker.queue}'  (pid ${report.worker.pid}, log ${report.worker.log})`,
    ];
    if (config.redisUrl !== undefined) {
      lines.push(`note: a Redis URL is configured (${config.redisUrl}), so other commands use it, not this stack`);
    }
    await write(process.stdout, `${lines.join('\n')}\n`);
  });
}
