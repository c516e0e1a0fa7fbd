import { resolve } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_API_PORT } from '@kingly/cmd/lite';
import { loadConfig } from '../context.js';
import { addGlobalOptions, integer } from '../options.js';
import { printJson, write } from '../output/write.js';

export function upCommand(): Command {
  const command = new Command('up')
    .summary('start the local stack (redis + worker + HTTP API)')
    .description(
      'Start the private local stack under KINGLY_HOME (default ~/.kingly): a redis-server on a unix ' +
        'socket with its data kept (AOF), a worker daemon, and the HTTP API (live page, Bull Board, ' +
        '/api) on 127.0.0.1, as PM2 apps (kingly-redis, kingly-worker, kingly-api) of a PM2 daemon of ' +
        'its own in KINGLY_HOME/pm2, which restarts what crashes and writes the logs in KINGLY_HOME/logs. ' +
        'They outlive the terminal; stop them with \'kingly down\'. Does nothing when ' +
        'the stack is already running. The API takes $KINGLY_API_TOKEN, else a token kingly up makes ' +
        'in KINGLY_HOME/api-token (mode 0600); both the URL and the token are printed. Commands that ' +
        'need Redis start the stack (without the API) themselves when no Redis URL is configured.',
    )
    .option('--api-port <port>', `port of the HTTP API (default: $KINGLY_API_PORT, api.port in kingly.config.json, else ${DEFAULT_API_PORT})`, integer(1, 65_535))
    .option('--no-api', 'do not start the HTTP API')
    .option('--concurrency <n>', "jobs the worker runs at once when it is started (default: worker.concurrency of kingly.config.json, else the number of CPU cores; a running one: 'kingly concurrency N')", integer(1, 10_000))
    .option('--pm2-home <dir>', "run the stack under this PM2 home (PM2_HOME, e.g. ~/.pm2) so your own 'pm2 ls', 'pm2 save' and 'pm2 startup' cover it (default: $KINGLY_PM2_HOME, else KINGLY_HOME/pm2)")
    .option('--json', 'print where things are, and the API token, as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ kingly up
  $ kingly up --api-port 8080
  $ kingly up --concurrency 8
  $ kingly up --pm2-home ~/.pm2 && pm2 save
  $ KINGLY_HOME=/tmp/kingly kingly up --json`,
    );
  addGlobalOptions(command);
  return command.action(async (options: { json?: boolean; api: boolean; apiPort?: number; concurrency?: number; pm2Home?: string }, cmd: Command) => {
    const loaded = await loadConfig(cmd);
    const config = options.concurrency !== undefined ? { ...loaded, workerConcurrency: options.concurrency } : loaded;
    const { upStack } = await import('../stack/stack.js');
    const { resolveApiPort } = await import('../stack/api-port.js');
    const api = options.api
      ? {
          port: resolveApiPort(options.apiPort, config),
          howToChoosePort: "choose another with 'kingly up --api-port <port>', KINGLY_API_PORT or api.port in kingly.config.json",
        }
      : false;
    const report = await upStack(config, { api, ...(options.pm2Home !== undefined ? { pm2Home: resolve(options.pm2Home) } : {}) });
    if (options.json) return printJson(report);
    const lines = [
      report.started.length === 0 ? `the local stack is already running in ${report.home}` : `started the local stack in ${report.home}`,
      `  pm2     PM2_HOME=${report.pm2Home}  (apps ${report.redis.app}, ${report.worker.app}${report.api ? `, ${report.api.app}` : ''})`,
      `  redis   ${report.redisUrl}  (pid ${report.redis.pid}, log ${report.redis.log})`,
      `  worker  queue '${report.worker.queue}'  (pid ${report.worker.pid}, log ${report.worker.log})`,
    ];
    if (report.api) {
      const { api: a } = report;
      lines.push(`  api     ${a.url}  (pid ${a.pid}, log ${a.log})`);
      if (a.token !== undefined) {
        lines.push(a.tokenSource === 'env' ? '  token   from $KINGLY_API_TOKEN' : `  token   ${a.token}  (kept in ${a.tokenFile})`);
        lines.push(`  open ${a.url} and log in with the token; scripts send 'Authorization: Bearer <token>'`);
      }
      if (a.note !== undefined) lines.push(`note: ${a.note}`);
    }
    if (config.redisUrl !== undefined) {
      lines.push(`note: a Redis URL is configured (${config.redisUrl}), so other commands use it, not this stack`);
    }
    await write(process.stdout, `${lines.join('\n')}\n`);
  });
}
