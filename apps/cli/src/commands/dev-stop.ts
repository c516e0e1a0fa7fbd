import { Command } from 'commander';
import { parseDuration } from '@kingly/cmd/lite';
import { stopServer } from '../dev/jobs.js';
import { withDevServers } from '../dev/with-servers.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { addGlobalOptions } from '../options.js';
import { stopLine } from '../output/format-dev.js';
import { printJson, printLines } from '../output/write.js';

export function devStopCommand(): Command {
  const command = new Command('stop')
    .summary('stop dev servers (all, or the one named)')
    .description(
      "Stop this directory's copy of the dev server (every one when no name is given): SIGTERM to its " +
        'process group, SIGKILL to the whole tree after the grace period; then check that its port no ' +
        'longer answers (exit 1 when it does: another program listens there).',
    )
    .argument('[name]', 'the server (default: all)')
    .option('--grace <duration>', 'time between SIGTERM and SIGKILL: 500ms, 5s, 1m', '5s')
    .option('--json', 'print [{"name", "record", "portFree"}]')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly dev stop
  $ kingly dev stop web --grace 1s`,
    );
  addGlobalOptions(command);
  return command.action(async (name: string | undefined, options: { grace: string; json?: boolean }, cmd: Command) => {
    const graceMs = parseDuration(options.grace, '--grace');
    const allFree = await withDevServers(cmd, name, async (client, servers) => {
      const reports = await Promise.all(servers.map(async (server) => ({ server, ...(await stopServer(client, server, graceMs)) })));
      if (options.json) await printJson(reports.map(({ server, record, portFree }) => ({ name: server.name, record: record ?? null, portFree })));
      else await printLines(...reports.map((r) => stopLine(r.server, r)));
      return reports.every((r) => r.portFree);
    });
    if (!allFree) throw new ExitRequest(ExitCode.FAILURE);
  });
}
