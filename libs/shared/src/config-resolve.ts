// Config resolution without zod (validating the file is config.ts's job): @kingly/cmd/lite uses
// it, so read-only commands start without loading the schemas.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ConfigFile, DevServerConfig } from './config.js';
import { DEFAULT_QUEUE } from './defaults.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention.js';
import type { RunLimits } from './schemas/job-spec.js';
import { resolvePrefix } from './redis-url.js';
import { REDIS_CA_ENV } from './redis-tls.js';
import { parseDuration, parseSize } from './units.js';
import type { WebhookConfig } from './webhooks/config.js';

export const CONFIG_FILE_NAME = 'kingly.config.json';

/** Settings after resolution: flag > environment > kingly.config.json > defaults. */
export interface KinglyConfig {
  /** Redis to use; undefined means the private local stack under `home`. */
  readonly redisUrl: string | undefined;
  /**
   * CA file for `rediss://` (absolute): KINGLY_REDIS_CA, else `redisCaFile` of the config file
   * (relative to that file). Connections read it from KINGLY_REDIS_CA, which the CLI sets from
   * this. @default undefined (Node's trusted CAs)
   */
  readonly redisCaFile: string | undefined;
  readonly queue: string;
  readonly prefix: string;
  readonly home: string;
  /** The config file that was read, if any. */
  readonly configFile: string | undefined;
  /** Limits of `kingly run` when its flags do not say (`defaults` in the file). @default {} */
  readonly runDefaults: RunLimits;
  /** Dev servers by name (`dev` in the file). @default {} */
  readonly dev: Readonly<Record<string, DevServerConfig>>;
  /** How long finished jobs are kept (`retention` in the file, over DEFAULT_RETENTION). */
  readonly retention: RetentionPolicy;
  /** `api.port` in the file, if given (the API's port when no flag or KINGLY_API_PORT says). */
  readonly apiPort: number | undefined;
  /** `api.defaultCwd` in the file: where a job POSTed without cwd runs. @default undefined (refused) */
  readonly apiDefaultCwd: string | undefined;
  /** `worker.accounting` in the file: how workers read processes. @default undefined (the worker's platform default) */
  readonly accounting: 'proc' | 'ps' | undefined;
  /** `worker.concurrency` in the file: jobs a worker runs at once. @default undefined (the worker's: the number of CPU cores) */
  readonly workerConcurrency: number | undefined;
  /** `defaults.notify` in the file: `kingly run` notifies when its jobs end. @default false */
  readonly notify: boolean;
  /** `worker.heartbeat` in the file or KINGLY_HEARTBEAT, ms. @default undefined (the worker's: 2000) */
  readonly heartbeatMs: number | undefined;
  /** `worker.heartbeatTtl` in the file or KINGLY_HEARTBEAT_TTL, ms. @default undefined (3 × the heartbeat) */
  readonly heartbeatTtlMs: number | undefined;
  /** `webhooks` in the file: where the API process POSTs job endings. @default [] */
  readonly webhooks: readonly WebhookConfig[];
}

export interface ResolveConfigOptions {
  /** Values given as command-line flags. @default {} */
  readonly flags?: Partial<Pick<KinglyConfig, 'redisUrl' | 'queue' | 'prefix' | 'home'>>;
  /** Environment to read `KINGLY_*` from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory to search upwards from for kingly.config.json. @default process.cwd() */
  readonly cwd?: string;
}

/** Finds the nearest kingly.config.json at or above `dir`. */
export function findConfigFile(dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

const nonEmpty = (value: string | undefined): string | undefined => (value ? value : undefined);
const optionalDuration = (value: string | undefined, name: string): number | undefined => (value === undefined ? undefined : parseDuration(value, name));

/**
 * The settings from flags, environment and an already validated config file (`{}` when there is
 * none). resolveConfig finds and validates the file; a caller that must not load zod when there
 * is no file (the CLI's start) does the same in two steps.
 */
export function configFromSources(options: ResolveConfigOptions, configFile: string | undefined, file: ConfigFile): KinglyConfig {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const home = flags.home ?? nonEmpty(env.KINGLY_HOME) ?? file.home ?? join(homedir(), '.kingly');
  const redisUrl = flags.redisUrl ?? nonEmpty(env.KINGLY_REDIS_URL) ?? file.redisUrl;
  const redisCaFile = nonEmpty(env[REDIS_CA_ENV]) ?? (file.redisCaFile !== undefined && configFile ? resolve(dirname(configFile), file.redisCaFile) : undefined);
  return {
    redisUrl,
    redisCaFile,
    queue: flags.queue ?? nonEmpty(env.KINGLY_QUEUE) ?? file.queue ?? DEFAULT_QUEUE,
    // `kingly`, or `{kingly}` on a Redis Cluster (where a prefix without a hash tag is refused).
    prefix: resolvePrefix(redisUrl, flags.prefix ?? nonEmpty(env.KINGLY_PREFIX) ?? file.prefix),
    home: resolve(home),
    configFile,
    runDefaults: {
      ...(file.defaults?.timeout !== undefined ? { timeoutMs: parseDuration(file.defaults.timeout, 'defaults.timeout') } : {}),
      ...(file.defaults?.maxMemory !== undefined ? { maxMemoryBytes: parseSize(file.defaults.maxMemory, 'defaults.maxMemory') } : {}),
    },
    dev: file.dev ?? {},
    retention: {
      maxAgeMs: file.retention?.maxAge !== undefined ? parseDuration(file.retention.maxAge, 'retention.maxAge') : DEFAULT_RETENTION.maxAgeMs,
      maxJobs: file.retention?.maxJobs ?? DEFAULT_RETENTION.maxJobs,
    },
    apiPort: file.api?.port,
    apiDefaultCwd: file.api?.defaultCwd,
    accounting: file.worker?.accounting,
    workerConcurrency: file.worker?.concurrency,
    notify: file.defaults?.notify ?? false,
    heartbeatMs: optionalDuration(nonEmpty(env.KINGLY_HEARTBEAT), 'KINGLY_HEARTBEAT') ?? optionalDuration(file.worker?.heartbeat, 'worker.heartbeat'),
    heartbeatTtlMs: optionalDuration(nonEmpty(env.KINGLY_HEARTBEAT_TTL), 'KINGLY_HEARTBEAT_TTL') ?? optionalDuration(file.worker?.heartbeatTtl, 'worker.heartbeatTtl'),
    webhooks: file.webhooks ?? [],
  };
}
