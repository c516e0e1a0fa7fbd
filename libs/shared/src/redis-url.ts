import { ErrorCodes, KinglyError } from './errors.js';
import { DEFAULT_CLUSTER_PREFIX, DEFAULT_PREFIX } from './keys.js';

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
  /**
   * `redis+cluster://h:p,h:p` (`rediss+cluster://` with TLS): nodes of a Redis Cluster to learn the
   * slot map from (host and port are then the first node's). Cluster has no database index.
   */
  readonly clusterNodes?: ReadonlyArray<{ readonly host: string; readonly port: number }>;
}

const SENTINEL_SCHEME = 'redis+sentinel://';
const CLUSTER_SCHEME = /^rediss?\+cluster:\/\//;

/** Whether the URL names a Redis Cluster (`redis+cluster://`, `rediss+cluster://`). */
export const isClusterUrl = (url: string | undefined): boolean => url !== undefined && CLUSTER_SCHEME.test(url);

/**
 * Parses `redis://[user:pass@]host[:port][/db]`, `rediss://…`, `unix:///path[?db=N]`,
 * `redis+sentinel://[user:pass@]host:port,host:port/masterName[/db]` or
 * `redis+cluster://[user:pass@]host:port,host:port` (`rediss+cluster://…`).
 */
export function parseRedisUrl(url: string): RedisEndpoint {
  if (url.startsWith(SENTINEL_SCHEME)) return parseSentinelUrl(url);
  if (isClusterUrl(url)) return parseClusterUrl(url);
  if (url.startsWith('unix://')) {
    const parsed = new URL(url);
    const db = parsed.searchParams.get('db');
    return { host: '127.0.0.1', port: 6379, path: decodeURIComponent(parsed.pathname), tls: false, ...(db ? { db: Number(db) } : {}) };
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `Redis URL must start with redis://, rediss://, unix://, redis+sentinel:// or redis+cluster://, got '${redactUrl(url)}'`);
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

/** `[user:pass@]h:p,h:p[/more]` of a URL with a list of hosts, which the URL class cannot parse. */
function parseHostList(rest: string, defaultPort: number, bad: (why: string) => KinglyError) {
  const at = rest.lastIndexOf('@', rest.indexOf('/') === -1 ? rest.length : rest.indexOf('/'));
  const auth = at === -1 ? '' : rest.slice(0, at);
  const [hostList = '', ...path] = rest.slice(at + 1).split('/');
  const hosts = hostList.split(',').map((entry) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!match) throw bad(`'${entry}' is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
  });
  const colon = auth.indexOf(':');
  const username = colon === -1 ? auth : auth.slice(0, colon);
  const password = colon === -1 ? '' : auth.slice(colon + 1);
  const credentials = {
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  };
  return { hosts, path, credentials };
}

/** `redis+sentinel://[user:pass@]h:p,h:p/name[/db]`. */
function parseSentinelUrl(url: string): RedisEndpoint {
  const bad = (why: string): KinglyError =>
    new KinglyError(ErrorCodes.BAD_INPUT, `Redis Sentinel URL ${redactUrl(url)}: ${why} (expected redis+sentinel://[user:pass@]host:26379,host:26380/mymaster)`);
  const { hosts: sentinels, path, credentials } = parseHostList(url.slice(SENTINEL_SCHEME.length), 26379, bad);
  const [name = '', db = ''] = path;
  if (!name) throw bad('the master name is missing');
  if (db !== '' && !/^\d+$/.test(db)) throw bad(`'${db}' is not a database number`);
  return {
    host: sentinels[0]!.host,
    port: sentinels[0]!.port,
    tls: false,
    sentinels,
    sentinelName: decodeURIComponent(name),
    ...credentials,
    ...(db ? { db: Number(db) } : {}),
  };
}

/** `redis+cluster://[user:pass@]h:p,h:p[/]` or `rediss+cluster://…`: any nodes of the cluster. */
function parseClusterUrl(url: string): RedisEndpoint {
  const bad = (why: string): KinglyError =>
    new KinglyError(ErrorCodes.BAD_INPUT, `Redis Cluster URL ${redactUrl(url)}: ${why} (expected redis+cluster://[user:pass@]host:7000,host:7001)`);
  const tls = url.startsWith('rediss+');
  const { hosts: clusterNodes, path, credentials } = parseHostList(url.replace(CLUSTER_SCHEME, ''), 6379, bad);
  if (path.some((part) => part !== '')) throw bad(`'/${path.join('/')}': a cluster has no database index`);
  return { host: clusterNodes[0]!.host, port: clusterNodes[0]!.port, tls, clusterNodes, ...credentials };
}

/**
 * The hash tag of a key prefix (`kingly` in `{kingly}:jobs`), as Redis Cluster finds it: between the
 * first `{` and the first `}` after it, when not empty. undefined when the prefix has none.
 */
export function hashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  const close = open === -1 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/**
 * The key prefix to use with `redisUrl`: the configured one, or the default (`kingly`; on a Redis
 * Cluster `{kingly}`). On a cluster a configured prefix must hold a hash tag, as BullMQ requires:
 * every key of kingly and BullMQ then lives in one slot, so each multi-key script and MULTI is
 * served by one node.
 */
export function resolvePrefix(redisUrl: string | undefined, prefix: string | undefined): string {
  if (!isClusterUrl(redisUrl)) return prefix ?? DEFAULT_PREFIX;
  if (prefix === undefined) return DEFAULT_CLUSTER_PREFIX;
  if (hashTag(prefix) === undefined) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `prefix: '${prefix}' has no hash tag, which a Redis Cluster needs (every key of a queue in one slot)`, {
      hint: `put the prefix in braces, such as '{${prefix}}' (--prefix, KINGLY_PREFIX or "prefix" in kingly.config.json), or leave it unset for '${DEFAULT_CLUSTER_PREFIX}'`,
    });
  }
  return prefix;
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
