import { Command } from 'commander';
import { devLogsCommand } from './dev-logs.js';
import { devRestartCommand } from './dev-restart.js';
import { devStartCommand } from './dev-start.js';
import { devStatusCommand } from './dev-status.js';
import { devStopCommand } from './dev-stop.js';

export function devCommand(): Command {
  const command = new Command('dev')
    .summary('dev servers that outlive the terminal: start, stop, restart, status, logs')
    .description(
      'Run dev servers as kingly jobs: restarted when they crash (with backoff, restart count kept), ' +
        'one log across restarts, killed with their whole tree on stop. Servers come from "dev" in ' +
        'kingly.config.json, else the "dev" script of ./package.json (npm run dev). A server is one ' +
        'job named dev:<name> per directory; a copy started from another directory (a worktree) while ' +
        'one runs gets a free port from the range as PORT.',
    )
    .addHelpText(
      'after',
      `
kingly.config.json:
  { "dev": { "web": { "command": "npm run dev", "port": 3000, "restart": "on-failure",
                      "maxRestarts": 10, "restartDelay": "1s", "env": { "NODE_ENV": "development" } } } }

Examples:
  $ kingly dev start --follow
  $ kingly dev status
  $ kingly dev logs -f web
  $ kingly dev restart web
  $ kingly dev stop`,
    );
  for (const sub of [devStartCommand(), devStopCommand(), devRestartCommand(), devStatusCommand(), devLogsCommand()]) command.addCommand(sub);
  return command;
}
