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
  /**
   * `redis+sentinel://h:p,h:p/name`: the sentinels to ask for the master called `sentinelName`
   * (host and port are then the first sentinel's). The password is the master's.
   */
  readonly sentinels?: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly sentinelName?: string;
}

const SENTINEL_SCHEME = 'redis+sentinel://';

/**
 * Parses `redis://[user:pass@]host[:port][/db]`, `rediss://…`, `unix:///path[?db=N]` or
 * `redis+sentinel://[user:pass@]host:port,host:port/masterName[/db]`.
 */
export function parseRedisUrl(url: string): RedisEndpoint {
  if (url.startsWith(SENTINEL_SCHEME)) return parseSentinelUrl(url);
  if (url.startsWith('unix://')) {
    const parsed = new URL(url);
    const db = parsed.searchParams.get('db');
    return { host: '127.0.0.1', port: 6379, path: decodeURIComponent(parsed.pathname), tls: false, ...(db ? { db: Number(db) } : {}) };
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `Redis URL must start with redis://, rediss://, unix:// or redis+sentinel://, got '${redactUrl(url)}'`);
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

/** `redis+sentinel://[user:pass@]h:p,h:p/name[/db]`: a list of sentinels the URL class cannot parse. */
function parseSentinelUrl(url: string): RedisEndpoint {
  const bad = (why: string): KinglyError =>
    new KinglyError(ErrorCodes.BAD_INPUT, `Redis Sentinel URL ${redactUrl(url)}: ${why} (expected redis+sentinel://[user:pass@]host:26379,host:26380/mymaster)`);
  const rest = url.slice(SENTINEL_SCHEME.length);
  const at = rest.lastIndexOf('@', rest.indexOf('/') === -1 ? rest.length : rest.indexOf('/'));
  const auth = at === -1 ? '' : rest.slice(0, at);
  const [hostList = '', name = '', db = ''] = rest.slice(at + 1).split('/');
  const sentinels = hostList.split(',').map((entry) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!match) throw bad(`'${entry}' is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : 26379 };
  });
  if (!name) throw bad('the master name is missing');
  if (db !== '' && !/^\d+$/.test(db)) throw bad(`'${db}' is not a database number`);
  const colon = auth.indexOf(':');
  const username = colon === -1 ? auth : auth.slice(0, colon);
  const password = colon === -1 ? '' : auth.slice(colon + 1);
  return {
    host: sentinels[0]!.host,
    port: sentinels[0]!.port,
    tls: false,
    sentinels,
    sentinelName: decodeURIComponent(name),
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
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
