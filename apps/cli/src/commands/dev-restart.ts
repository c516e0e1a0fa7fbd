import { Command, Option } from 'commander';
import { parseDuration } from '@kingly/cmd/lite';
import { startServer, stopServer } from '../dev/jobs.js';
import { followServers } from '../dev/follow.js';
import { withDevServers } from '../dev/with-servers.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { addGlobalOptions } from '../options.js';
import { startLine, stopLine } from '../output/format-dev.js';
import { printJson, printLines } from '../output/write.js';
import type { DevStartOptions } from './dev-start.js';

export function devRestartCommand(): Command {
  const command = new Command('restart')
    .summary('stop, then start dev servers (all, or the one named)')
    .description('Stop the dev server as `kingly dev stop` does (if it runs), then start it as `kingly dev start` does.')
    .argument('[name]', 'the server (default: all)')
    .option('--grace <duration>', 'time between SIGTERM and SIGKILL: 500ms, 5s, 1m', '5s')
    .option('-f, --follow', 'then stream its output until Ctrl-C (the server goes on)')
    .addOption(new Option('--monitor', 'same as --follow').hideHelp())
    .option('--json', 'print [{"name", "stopped", "record"}]')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly dev restart
  $ kingly dev restart web -f`,
    );
  addGlobalOptions(command);
  return command.action(async (name: string | undefined, options: DevStartOptions & { grace: string }, cmd: Command) => {
    const graceMs = parseDuration(options.grace, '--grace');
    const code = await withDevServers(cmd, name, async (client, servers, config) => {
      const reports = [];
      for (const server of servers) {
        const stopped = await stopServer(client, server, graceMs);
        if (!options.json) await printLines(stopLine(server, stopped));
        const started = await startServer(client, server, config.queue);
        if (!options.json) await printLines(startLine(server, started));
        reports.push({ server, stopped: stopped.record ?? null, record: started.record });
      }
      if (options.json) await printJson(reports.map(({ server, stopped, record }) => ({ name: server.name, stopped, record })));
      const failed = reports.find((r) => r.record.state !== 'running' && r.record.state !== 'queued');
      if (!(options.follow || options.monitor)) return failed ? ExitCode.FAILURE : ExitCode.OK;
      return followServers(client, reports.map((r) => ({ name: r.server.name, record: r.record })), options.json === true);
    });
    if (code !== ExitCode.OK) throw new ExitRequest(code);
  });
}
