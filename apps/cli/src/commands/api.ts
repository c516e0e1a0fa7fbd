import { Command } from 'commander';
import { loadConfig, redisUrlFor } from '../context.js';
import { addGlobalOptions, integer, queueName } from '../options.js';

interface ApiCommandOptions {
  readonly host?: string;
  readonly port?: number;
  readonly queue?: string;
}

export function apiCommand(): Command {
  const command = new Command('api')
    .summary('serve the HTTP API, live page and Bull Board')
    .description(
      'Run the HTTP API in the foreground: /api (jobs, logs over SSE, workers, status), /metrics, ' +
        'the live page at /, Bull Board at /board and the API docs at /docs. Its token is ' +
        '$KINGLY_API_TOKEN, else KINGLY_HOME/api-token (which kingly up makes); with neither, auth is ' +
        'off and only loopback addresses are allowed. /healthz needs no token. Stops on SIGTERM or Ctrl-C. ' +
        "'kingly up' runs the same server as a daemon of the local stack.",
    )
    .option('--host <address>', 'address to listen on; anything but loopback needs a token (default: 127.0.0.1)')
    .option('--port <port>', 'TCP port, 0 for any free one (default: $KINGLY_API_PORT, api.port in kingly.config.json, else 7077)', integer(0, 65_535))
    .option('--queue <queue>', 'queue POST /api/jobs uses when the request names none (default: $KINGLY_QUEUE or "commands")', queueName)
    .addHelpText(
      'after',
      `
Examples:
  $ kingly api
  $ KINGLY_API_TOKEN=$(openssl rand -hex 32) kingly api --host 0.0.0.0 --port 8080
  $ curl -H "Authorization: Bearer $(cat ~/.kingly/api-token)" http://127.0.0.1:7077/api/status`,
    );
  addGlobalOptions(command);
  return command.action(async (options: ApiCommandOptions, cmd: Command) => {
    const config = await loadConfig(cmd, options.queue !== undefined ? { queue: options.queue } : {});
    const { resolveApiPort } = await import('../stack/api-port.js');
    const { apiSecretFiles, findApiToken, sessionSecretFor } = await import('../stack/api-token.js');
    const port = resolveApiPort(options.port, config);
    const token = findApiToken(config.home);
    // With no Redis configured, serve the local stack (redis + worker, so jobs posted here run).
    const redisUrl = await redisUrlFor(config);
    const sessionSecret = sessionSecretFor(config.home, token?.token);
    process.stderr.write(
      token === undefined
        ? "kingly api: no token ($KINGLY_API_TOKEN unset, no KINGLY_HOME/api-token): auth is off, loopback only; 'kingly up' makes a token\n"
        : `kingly api: token from ${token.source === 'env' ? '$KINGLY_API_TOKEN' : apiSecretFiles(config.home).tokenFile}\n`,
    );
    const { runApiMain } = await import('@kingly/api');
    await runApiMain({
      redisUrl,
      queue: config.queue,
      prefix: config.prefix,
      port,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(token !== undefined ? { token: token.token } : {}),
      ...(sessionSecret !== undefined ? { sessionSecret } : {}),
    });
  });
}
