import { Command } from 'commander';
import { loadConfig } from '../context.js';
import { addGlobalOptions } from '../options.js';
import { printJson, write } from '../output/write.js';

export function downCommand(): Command {
  const command = new Command('down')
    .summary('stop the local stack')
    .description(
      'Stop the local stack under KINGLY_HOME: the HTTP API, then the worker (running jobs get its grace ' +
        'period, then their process groups are killed), then redis, which saves its data, then the stack\'s ' +
        'own PM2 daemon. Leaves no process. Under a PM2 home of yours (kingly up --pm2-home) only kingly\'s apps are removed.',
    )
    .option('--json', 'print what was stopped as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly down
  $ KINGLY_HOME=/tmp/kingly kingly down --json`,
    );
  addGlobalOptions(command);
  return command.action(async (options: { json?: boolean }, cmd: Command) => {
    const config = await loadConfig(cmd);
    const { downStack } = await import('../stack/stack.js');
    const report = await downStack(config);
    if (options.json) return printJson(report);
    const stopped = report.stopped.map((s) => `${s.name} (pid ${s.pid})`);
    if (report.daemonStopped) stopped.push('its PM2 daemon');
    if (report.leftovers.length > 0) stopped.push(`processes no PM2 daemon supervised any more (pids ${report.leftovers.join(', ')})`);
    const text =
      stopped.length === 0
        ? `the local stack is not running in ${report.home}`
        : `stopped the local stack in ${report.home}: ${stopped.join(', ')}`;
    await write(process.stdout, `${text}\n`);
  });
}
