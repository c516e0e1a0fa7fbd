import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, unreachable, type RedisEndpoint } from './redis-url.js';
import { redisTlsOptions } from './redis-tls.js';

/**
 * Turns a kingly Redis URL into ioredis options. `unix:///path` selects a unix socket;
 * `redis+sentinel://` asks the sentinels for the master (again after each failover);
 * `rediss://` trusts KINGLY_REDIS_CA's certificates when it is set. For `redis+cluster://` these
 * are the options of each node's connection (`newRedis` makes the Cluster).
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  return optionsOf(parseRedisUrl(url));
}

function optionsOf(endpoint: RedisEndpoint): RedisOptions {
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
    : endpoint.clusterNodes
      ? {}
      : { host: endpoint.host, port: endpoint.port, ...db };
  if (endpoint.username !== undefined) options.username = endpoint.username;
  if (endpoint.password !== undefined) options.password = endpoint.password;
  if (endpoint.tls) options.tls = redisTlsOptions();
  return options;
}

/**
 * A connection to the URL's Redis, with `overrides` over the URL's options; it connects unless
 * `lazyConnect`. For `redis+cluster://` it is an ioredis `Cluster`, which learns the slot map from
 * the listed nodes and sends each command to the node of its key's slot. It is typed as `Redis`
 * because it offers the same commands: kingly uses only those, duplicates through
 * `duplicateRedis` and scans through `scanKeys` (which differ on a Cluster).
 */
export function newRedis(url: string, overrides: Partial<RedisOptions> = {}): Redis {
  const endpoint = parseRedisUrl(url);
  if (!endpoint.clusterNodes) return new Redis({ ...optionsOf(endpoint), ...overrides });
  const { lazyConnect, ...nodeOverrides } = overrides;
  const options: ClusterOptions = {
    redisOptions: { ...optionsOf(endpoint), ...nodeOverrides },
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    // Reconnect as a single connection would (retryStrategy applies to each node's connection).
    clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
    // A loaded machine or a slow link: learning the slot map may take longer than ioredis's 1 s.
    slotsRefreshTimeout: 5000,
  };
  return new Cluster(endpoint.clusterNodes.map((n) => ({ host: n.host, port: n.port })), options) as unknown as Redis;
}

/** Whether the connection is an ioredis `Cluster` (see newRedis). */
export const isCluster = (redis: Redis): boolean => redis.isCluster;

/** Another connection like `redis` (a Cluster stays a Cluster), with `overrides` over its options. */
export function duplicateRedis(redis: Redis, overrides: Partial<RedisOptions> = {}): Redis {
  if (!isCluster(redis)) return redis.duplicate(overrides);
  const cluster = redis as unknown as Cluster;
  const { lazyConnect, ...nodeOverrides } = overrides;
  return cluster.duplicate(undefined, {
    redisOptions: { ...cluster.options.redisOptions, ...nodeOverrides },
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
  }) as unknown as Redis;
}

/**
 * The keys matching `pattern`, each once. SCAN reads one server: on a Cluster every master is
 * scanned (with a hash-tagged prefix kingly's keys are all on one of them).
 */
export async function* scanKeys(redis: Redis, pattern: string): AsyncGenerator<string> {
  const servers = isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
  // SCAN may return a key twice.
  const seen = new Set<string>();
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, batch] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        if (seen.has(key)) continue;
        seen.add(key);
        yield key;
      }
    } while (cursor !== '0');
  }
}

export interface ConnectOptions {
  /** Fail when the server has not answered within this many ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Required null for BullMQ workers and blocking readers. @default 20 */
  readonly maxRetriesPerRequest?: number | null;
}

/**
 * Opens a connection (a Cluster for `redis+cluster://`) and waits until it is ready, failing with
 * E_REDIS_UNREACHABLE (naming the URL and how to get a Redis) instead of retrying forever.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const redis = newRedis(url, {
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
