import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, unreachable } from './redis-url.js';
import { redisTlsOptions } from './redis-tls.js';

/**
 * Turns a kingly Redis URL into ioredis options. `unix:///path` selects a unix socket;
 * `redis+sentinel://` asks the sentinels for the master (again after each failover);
 * `rediss://` trusts KINGLY_REDIS_CA's certificates when it is set.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const endpoint = parseRedisUrl(url);
  const db = endpoint.db === undefined ? {} : { db: endpoint.db };
  if (endpoint.path !== undefined) return { path: endpoint.path, ...db };
  const options: RedisOptions = endpoint.sentinels
    ? {
        sentinels: endpoint.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: endpoint.sentinelName!,
        ...db,
        // Told of a failover by the sentinels (+switch-master): reconnect to the new master at once.
        failoverDetector: true,
        // A master demoted by a failover refuses writes (READONLY) and unblocks blocked reads
        // (UNBLOCKED): reconnect to the new one and send the command again.
        reconnectOnError: (error) => (/^(READONLY|UNBLOCKED)/.test(error.message) ? 2 : false),
      }
    : { host: endpoint.host, port: endpoint.port, ...db };
  if (endpoint.username !== undefined) options.username = endpoint.username;
  if (endpoint.password !== undefined) options.password = endpoint.password;
  if (endpoint.tls) options.tls = redisTlsOptions();
  return options;
}

export interface ConnectOptions {
  /** Fail when the server has not answered within this many ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Required null for BullMQ workers and blocking readers. @default 20 */
  readonly maxRetriesPerRequest?: number | null;
}

/**
 * Opens a connection and waits until it is ready, failing with E_REDIS_UNREACHABLE (naming the
 * URL and how to get a Redis) instead of retrying forever.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const redis = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest,
    // Retry briefly while connecting; after the first success, reconnect for a long time.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  redis.on('error', () => {
    /* reported through the failed command or connect() below */
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw unreachable(url, error);
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
