import { Command } from 'commander';
import { devStatus } from '../dev/status.js';
import { withDevServers } from '../dev/with-servers.js';
import { addGlobalOptions } from '../options.js';
import { DEV_STATUS_HEAD, devStatusRow } from '../output/format-dev.js';
import { formatTable } from '../output/table.js';
import { printJson, write } from '../output/write.js';

export function devStatusCommand(): Command {
  const command = new Command('status')
    .summary('dev servers: pid, port, uptime, restarts, CPU, memory, does the port answer')
    .description(
      "Show this directory's copy of each dev server: its job, PID, port (and whether 127.0.0.1:port " +
        'accepts a connection), uptime, restarts, CPU and memory; and copies running from other directories.',
    )
    .argument('[name]', 'the server (default: all)')
    .option('--json', 'print [{"name", "state", "id", "pid", "port", "portAnswers", "uptimeMs", "restarts", "cpuPercent", "rssBytes", "otherCopies"}]')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly dev status
  $ kingly dev status web --json | jq .[0].portAnswers`,
    );
  addGlobalOptions(command);
  return command.action(async (name: string | undefined, options: { json?: boolean }, cmd: Command) => {
    await withDevServers(cmd, name, async (client, servers) => {
      const statuses = await Promise.all(servers.map((server) => devStatus(client, server)));
      if (options.json) return printJson(statuses);
      let text = formatTable(DEV_STATUS_HEAD, statuses.map((s) => devStatusRow(s)));
      for (const s of statuses) {
        for (const copy of s.otherCopies) text += `also running: '${s.name}' from ${copy.cwd ?? '?'} (job ${copy.id}${copy.port !== null ? `, port ${copy.port}` : ''})\n`;
      }
      await write(process.stdout, text);
    });
  });
}
