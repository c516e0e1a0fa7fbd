import { Command, Option } from 'commander';
import { startServer } from '../dev/jobs.js';
import { followServers } from '../dev/follow.js';
import { withDevServers } from '../dev/with-servers.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { addGlobalOptions } from '../options.js';
import { startLine } from '../output/format-dev.js';
import { printJson, printLines } from '../output/write.js';

export interface DevStartOptions {
  readonly follow?: boolean;
  readonly monitor?: boolean;
  readonly json?: boolean;
}

export function devStartCommand(): Command {
  const command = new Command('start')
    .summary('start dev servers (all, or the one named)')
    .description(
      "Start the dev server (every one defined when no name is given) unless it runs already from this " +
        'directory, in which case say so and print its job id. Returns once a worker has started it.',
    )
    .argument('[name]', 'the server, as named in kingly.config.json (default: all)')
    .option('-f, --follow', 'then stream its output until Ctrl-C (the server goes on)')
    .addOption(new Option('--monitor', 'same as --follow').hideHelp())
    .option('--json', 'print [{"name", "started", "record"}]')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly dev start
  $ kingly dev start web --follow`,
    );
  addGlobalOptions(command);
  return command.action(async (name: string | undefined, options: DevStartOptions, cmd: Command) => {
    const code = await withDevServers(cmd, name, async (client, servers, config) => {
      const reports = [];
      for (const server of servers) reports.push({ server, ...(await startServer(client, server, config.queue)) });
      if (options.json) await printJson(reports.map(({ server, started, record }) => ({ name: server.name, started, record })));
      else await printLines(...reports.map((r) => startLine(r.server, r)));
      const failed = reports.find((r) => r.record.state !== 'running' && r.record.state !== 'queued');
      if (!(options.follow || options.monitor)) return failed ? ExitCode.FAILURE : ExitCode.OK;
      return followServers(client, reports.map((r) => ({ name: r.server.name, record: r.record })), options.json === true);
    });
    if (code !== ExitCode.OK) throw new ExitRequest(code);
  });
}
