import { Redis, type RedisOptions } from 'ioredis';
import { ErrorCodes, KinglyError } from './errors.js';

/** Turns a kingly Redis URL into ioredis options. `unix:///path` selects a unix socket. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  if (url.startsWith('unix://')) {
    const parsed = new URL(url);
    const db = parsed.searchParams.get('db');
    return { path: decodeURIComponent(parsed.pathname), ...(db ? { db: Number(db) } : {}) };
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `Redis URL must start with redis://, rediss:// or unix://, got '${url}'`);
  }
  const parsed = new URL(url);
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace('/', '');
  if (db) options.db = Number(db);
  if (url.startsWith('rediss://')) options.tls = {};
  return options;
}

/** Hides the password of a URL so it can be printed. */
export const redactUrl = (url: string): string => url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1<hidden>@');

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

export function unreachable(url: string, cause: unknown): KinglyError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new KinglyError(ErrorCodes.REDIS_UNREACHABLE, `cannot reach Redis at ${redactUrl(url)} (${reason})`, {
    hint: "start one (redis-server, or 'kingly up' for the local stack) or set KINGLY_REDIS_URL",
    cause,
  });
}
