import type { Command } from 'commander';
import type { KinglyClient, KinglyConfig } from '@kingly/cmd';
import { configFromSources, findConfigFile, REDIS_CA_ENV } from '@kingly/cmd/lite';
import type { GlobalOptions } from './options.js';

export interface ConfigOverrides {
  /** Queue given on this command's line. @default the configured queue */
  readonly queue?: string;
}

/** This invocation's settings: flag > environment > kingly.config.json > defaults. */
export async function loadConfig(command: Command, overrides: ConfigOverrides = {}): Promise<KinglyConfig> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const options = {
    flags: {
      ...(globals.redisUrl !== undefined ? { redisUrl: globals.redisUrl } : {}),
      ...(globals.prefix !== undefined ? { prefix: globals.prefix } : {}),
      ...(globals.home !== undefined ? { home: globals.home } : {}),
      ...(overrides.queue !== undefined ? { queue: overrides.queue } : {}),
    },
  };
  // zod (through @kingly/cmd) is loaded only when there is a config file to validate.
  const file = findConfigFile(process.cwd());
  const config = file === undefined ? configFromSources(options, undefined, {}) : configFromSources(options, file, (await import('@kingly/cmd')).loadConfigFile(file));
  // Every connection (ioredis, the status reader) takes the CA from the environment: the config
  // file's redisCaFile goes there (KINGLY_REDIS_CA, when set, already won).
  if (config.redisCaFile !== undefined) process.env[REDIS_CA_ENV] = config.redisCaFile;
  return config;
}

/**
 * The Redis URL to use: the configured one, or the local stack's, which is started first (with
 * one line on stderr) when it is not running.
 */
export async function redisUrlFor(config: KinglyConfig, needs: 'stack' | 'redis' = 'stack'): Promise<string> {
  if (config.redisUrl !== undefined) return config.redisUrl;
  const { ensureStack, describeStarted } = await import('./stack/stack.js');
  const { redisUrl, started } = await ensureStack(config, { withWorker: needs === 'stack' });
  if (started.length > 0) process.stderr.write(`kingly: ${describeStarted(started, config.home)}\n`);
  return redisUrl;
}

/** Runs `fn` with a client on this invocation's Redis and closes the client afterwards. */
export async function withClient<T>(
  command: Command,
  fn: (client: KinglyClient, config: KinglyConfig) => Promise<T>,
  overrides: ConfigOverrides = {},
): Promise<T> {
  const config = await loadConfig(command, overrides);
  const redisUrl = await redisUrlFor(config);
  const { KinglyClient } = await import('@kingly/cmd');
  const client = new KinglyClient({ redisUrl, queue: config.queue, prefix: config.prefix, retention: config.retention });
  try {
    return await fn(client, config);
  } finally {
    await client.close();
  }
}
