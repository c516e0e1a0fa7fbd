import { Command } from 'commander';
import { badInput, ErrorCodes, KinglyError } from '@kingly/cmd/lite';
import { followAcrossRestarts } from '../dev/follow-across.js';
import { latestJob } from '../dev/jobs.js';
import { withDevServers } from '../dev/with-servers.js';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { printJobLog } from '../follow-job.js';
import { addGlobalOptions, integer } from '../options.js';

interface DevLogsOptions {
  readonly follow?: boolean;
  readonly tail?: number;
  readonly json?: boolean;
}

export function devLogsCommand(): Command {
  const command = new Command('logs')
    .summary("print a dev server's output (one log across restarts)")
    .description(
      "Print the output of this directory's copy of the dev server (its latest job if it is not running): " +
        'stdout on stdout, stderr and kingly notes (restarts, PORT) on stderr.',
    )
    .argument('[name]', 'the server (needed when several are defined)')
    .option('-f, --follow', 'keep printing until Ctrl-C, across dev restart and dev stop/start (one log)')
    .option('--tail <n>', 'start with only the last N lines', integer(0))
    .option('--json', 'print one JSON object per line: {"id","stream","line","ts"}')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly dev logs
  $ kingly dev logs -f --tail 50 web`,
    );
  addGlobalOptions(command);
  return command.action(async (name: string | undefined, options: DevLogsOptions, cmd: Command) => {
    const interrupted = await withDevServers(cmd, name, async (client, servers) => {
      if (servers.length > 1) throw badInput(`several dev servers are defined (${servers.map((s) => s.name).join(', ')}): name one`);
      const server = servers[0]!;
      const job = await latestJob(client, server);
      if (!job) {
        throw new KinglyError(ErrorCodes.JOB_NOT_FOUND, `dev server '${server.name}' has not run from ${server.cwd}`, {
          hint: `start it with 'kingly dev start ${server.name}'`,
        });
      }
      if (options.follow) {
        await followAcrossRestarts(client, server, job, options);
        return true;
      }
      return !(await printJobLog(client, job.id, options));
    });
    if (interrupted) throw new ExitRequest(ExitCode.INTERRUPTED);
  });
}
