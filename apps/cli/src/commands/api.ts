import { hostname } from 'node:os';
import { Command } from 'commander';
import { DEFAULT_API_PORT, DEFAULT_QUEUE } from '@kingly/cmd/lite';
import { loadConfig, redisUrlFor } from '../context.js';
import { addGlobalOptions, integer, queueName } from '../options.js';

interface ApiCommandOptions {
  readonly host?: string;
  readonly port?: number;
  readonly queue?: string;
  readonly allowedHost?: string[];
}

/** Host names the API answers besides loopback and IP addresses, comma separated (added to --allowed-host). */
const ALLOWED_HOSTS_ENV = 'KINGLY_API_ALLOWED_HOSTS';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function apiCommand(): Command {
  const command = new Command('api')
    .summary('serve the HTTP API, live page and Bull Board')
    .description(
      'Run the HTTP API in the foreground: /api (jobs, logs over SSE, workers, status), /metrics, ' +
        'the live page at /, Bull Board at /board and the API docs at /docs. Its token is ' +
        '$KINGLY_API_TOKEN, else KINGLY_HOME/api-token, which is made (mode 0600, as kingly up does) when ' +
        'missing; there is no tokenless mode. /healthz needs no token. Requests whose Host header is not ' +
        'localhost, an IP address or an allowed name are refused (DNS rebinding). Stops on SIGTERM or Ctrl-C. ' +
        "'kingly up' runs the same server as a daemon of the local stack. With webhooks in kingly.config.json, " +
        'it POSTs every job ending they ask for, signed (see the README, Webhooks).',
    )
    .option('--host <address>', 'address to listen on (default: 127.0.0.1)')
    .option('--port <port>', `TCP port, 0 for any free one (default: $KINGLY_API_PORT, api.port in kingly.config.json, else ${DEFAULT_API_PORT})`, integer(0, 65_535))
    .option('--queue <queue>', `queue POST /api/jobs uses when the request names none (default: $KINGLY_QUEUE or "${DEFAULT_QUEUE}")`, queueName)
    .option('--allowed-host <name>', `a host name clients use to reach the API, e.g. a proxy's (repeatable; also $${ALLOWED_HOSTS_ENV}, comma separated)`, collect)
    .addHelpText(
      'after',
      `
Examples:
  $ kingly api
  $ KINGLY_API_TOKEN=$(openssl rand -hex 32) kingly api --host 0.0.0.0 --port 8080 --allowed-host kingly.example.com
  $ curl -H "Authorization: Bearer $(cat ~/.kingly/api-token)" http://127.0.0.1:7077/api/status`,
    );
  addGlobalOptions(command);
  return command.action(async (options: ApiCommandOptions, cmd: Command) => {
    const config = await loadConfig(cmd, options.queue !== undefined ? { queue: options.queue } : {});
    const { resolveApiPort } = await import('../stack/api-port.js');
    const { apiSecretFiles, ensureApiToken, ensureSessionSecret, findApiToken, sessionSecretFor } = await import('../stack/api-token.js');
    const port = resolveApiPort(options.port, config);
    const allowedHosts = [
      ...(options.allowedHost ?? []),
      ...(process.env[ALLOWED_HOSTS_ENV] ?? '').split(',').map((name) => name.trim()).filter(Boolean),
    ];
    // No tokenless mode: without one, make the token (and session key) as 'kingly up' does.
    const found = findApiToken(config.home);
    const token = found ?? ensureApiToken(config.home);
    if (found === undefined) ensureSessionSecret(config.home);
    // With no Redis configured, serve the local stack (redis + worker, so jobs posted here run).
    const redisUrl = await redisUrlFor(config);
    const sessionSecret = sessionSecretFor(config.home, token.token);
    const tokenFile = apiSecretFiles(config.home).tokenFile;
    process.stderr.write(
      found === undefined
        ? `kingly api: no token ($KINGLY_API_TOKEN unset, no ${tokenFile}): made one in ${tokenFile} (mode 0600); ` +
            "send it as 'Authorization: Bearer <token>' or log in at /login\n"
        : `kingly api: token from ${token.source === 'env' ? '$KINGLY_API_TOKEN' : tokenFile}\n`,
    );
    const { runApiMain } = await import('@kingly/api');
    await runApiMain({
      redisUrl,
      queue: config.queue,
      prefix: config.prefix,
      port,
      ...(options.host !== undefined ? { host: options.host } : {}),
      token: token.token,
      ...(allowedHosts.length > 0 ? { allowedHosts } : {}),
      ...(sessionSecret !== undefined ? { sessionSecret } : {}),
      ...(config.apiDefaultCwd !== undefined ? { defaultCwd: config.apiDefaultCwd } : {}),
      // kingly.config.json `webhooks`, delivered from here; the consumer name (host and port) is
      // the same after a restart, so events this process held are taken up again at once.
      ...(config.webhooks.length > 0 ? { webhooks: config.webhooks, ...(port !== 0 ? { webhookConsumer: `${hostname()}:${port}` } : {}) } : {}),
    });
  });
}
