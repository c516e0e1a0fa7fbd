import { ErrorCodes, KinglyError } from './errors.js';

/** Where a kingly Redis URL points, independent of the client library that connects. */
export interface RedisEndpoint {
  /** Host name or address (brackets of an IPv6 literal removed). @default "127.0.0.1" */
  readonly host: string;
  /** @default 6379 */
  readonly port: number;
  /** Unix socket path (`unix:///path`); host and port are then unused. */
  readonly path?: string;
  readonly username?: string;
  readonly password?: string;
  /** Database index: `redis://host/2` or `unix:///path?db=2`. */
  readonly db?: number;
  /** `rediss://`: TLS. */
  readonly tls: boolean;
}

/** Parses `redis://[user:pass@]host[:port][/db]`, `rediss://…` or `unix:///path[?db=N]`. */
export function parseRedisUrl(url: string): RedisEndpoint {
  if (url.startsWith('unix://')) {
    const parsed = new URL(url);
    const db = parsed.searchParams.get('db');
    return { host: '127.0.0.1', port: 6379, path: decodeURIComponent(parsed.pathname), tls: false, ...(db ? { db: Number(db) } : {}) };
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `Redis URL must start with redis://, rediss:// or unix://, got '${url}'`);
  }
  const parsed = new URL(url);
  const db = parsed.pathname.replace('/', '');
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    tls: url.startsWith('rediss://'),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
  };
}

/** Hides the password of a URL so it can be printed. */
export const redactUrl = (url: string): string => url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1<hidden>@');

/** E_REDIS_UNREACHABLE, naming the URL (password hidden) and how to get a Redis. */
export function unreachable(url: string, cause: unknown): KinglyError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new KinglyError(ErrorCodes.REDIS_UNREACHABLE, `cannot reach Redis at ${redactUrl(url)} (${reason})`, {
    hint: "start one (redis-server, or 'kingly up' for the local stack) or set KINGLY_REDIS_URL",
    cause,
  });
}
