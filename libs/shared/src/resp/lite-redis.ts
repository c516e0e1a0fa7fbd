import { connect as connectTcp, isIP, type Socket } from 'node:net';
import RedisParser from 'redis-parser';
import type { StatusRedis } from '../client/status-redis.js';
import { parseRedisUrl, unreachable, type RedisEndpoint } from '../redis-url.js';
import { LitePipeline } from './lite-pipeline.js';
import { encodeCommand, toHash, type RespCommand } from './replies.js';

export interface LiteConnectOptions {
  /** Fail with E_REDIS_UNREACHABLE when the server has not answered within this many ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /**
   * On a Redis Cluster (`redis+cluster://`), a key (or hash tag, such as the prefix `{kingly}`) whose
   * slot holds every key this connection will use: it connects to the master serving that slot.
   * LiteRedis follows no redirection (MOVED), so a key of another slot fails. Required with a
   * cluster URL. @default undefined
   */
  readonly slotOf?: string;
}

interface Waiter {
  resolve(reply: unknown): void;
  reject(error: Error): void;
}

/**
 * A small Redis client for one-shot reads: one connection, replies in order, no reconnection, no
 * offline queue, no command table. `kingly status` reads through it because loading ioredis costs
 * about 20 ms of a command that should answer at once (docs/benchmarks.md, CLI). Replies are
 * parsed by redis-parser (the parser ioredis itself uses). Anything long-lived uses ioredis.
 */
export class LiteRedis implements StatusRedis {
  readonly #socket: Socket;
  readonly #waiters: Waiter[] = [];
  #head = 0;
  #closed: Error | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    const parser = new RedisParser({
      returnReply: (reply: unknown) => this.#next()?.resolve(reply),
      returnError: (error) => this.#next()?.reject(error),
      returnFatalError: (error) => socket.destroy(error),
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection to Redis closed')));
  }

  #next(): Waiter | undefined {
    // A reply nobody waits for (none is expected without pub/sub) must not shift the queue.
    if (this.#head >= this.#waiters.length) return undefined;
    const waiter = this.#waiters[this.#head];
    this.#head += 1;
    if (this.#head === this.#waiters.length) {
      this.#waiters.length = 0;
      this.#head = 0;
    }
    return waiter;
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    const pending = this.#waiters.splice(this.#head);
    this.#waiters.length = 0;
    this.#head = 0;
    for (const waiter of pending) waiter.reject(this.#closed);
  }

  /** Sends the commands in one write; one promise per command, settled in order. */
  send(commands: readonly RespCommand[]): Promise<unknown>[] {
    const closed = this.#closed;
    if (closed) return commands.map(() => Promise.reject(closed));
    const replies = commands.map(() => new Promise<unknown>((resolve, reject) => this.#waiters.push({ resolve, reject })));
    this.#socket.write(commands.map(encodeCommand).join(''));
    return replies;
  }

  call(...command: RespCommand): Promise<unknown> {
    return this.send([command])[0]!;
  }

  smembers(key: string): Promise<string[]> {
    return this.call('SMEMBERS', key) as Promise<string[]>;
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return toHash(await this.call('HGETALL', key));
  }

  hmget(key: string, ...fields: string[]): Promise<(string | null)[]> {
    return this.call('HMGET', key, ...fields) as Promise<(string | null)[]>;
  }

  hdel(key: string, ...fields: string[]): Promise<number> {
    return this.call('HDEL', key, ...fields) as Promise<number>;
  }

  xrevrange(key: string, end: string, start: string, countToken: 'COUNT', count: number): Promise<[id: string, fields: string[]][]> {
    return this.call('XREVRANGE', key, end, start, countToken, count) as Promise<[string, string[]][]>;
  }

  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown> {
    return this.call('EVAL', script, numKeys, ...args);
  }

  pipeline(): LitePipeline {
    return new LitePipeline((commands) => this.send(commands));
  }

  /** Says QUIT, waits for the answer and the close. */
  async quit(): Promise<void> {
    if (this.#closed) return;
    const closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    await this.call('QUIT');
    this.#socket.end();
    await closed;
  }

  /** Closes at once; pending commands fail. */
  disconnect(): void {
    this.#socket.destroy();
  }
}

async function openSocket(endpoint: RedisEndpoint): Promise<Socket> {
  if (endpoint.path !== undefined) return connectTcp(endpoint.path);
  if (!endpoint.tls) return connectTcp({ host: endpoint.host, port: endpoint.port });
  const [{ connect: connectTls }, { redisTlsOptions }] = await Promise.all([import('node:tls'), import('../redis-tls.js')]);
  // SNI takes host names only (RFC 6066); the certificate is checked against an address all the same.
  return connectTls({ host: endpoint.host, port: endpoint.port, ...redisTlsOptions(), ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }) });
}

/** The master's address, from the first sentinel that knows it (a plain endpoint as it is). */
async function resolveMaster(endpoint: RedisEndpoint): Promise<RedisEndpoint> {
  if (!endpoint.sentinels) return endpoint;
  const errors: string[] = [];
  for (const sentinel of endpoint.sentinels) {
    const socket = connectTcp({ host: sentinel.host, port: sentinel.port });
    const redis = new LiteRedis(socket);
    try {
      const reply = await redis.call('SENTINEL', 'get-master-addr-by-name', endpoint.sentinelName!);
      if (Array.isArray(reply) && reply.length === 2) return { ...endpoint, sentinels: undefined, host: String(reply[0]), port: Number(reply[1]) };
      errors.push(`${sentinel.host}:${sentinel.port} does not know master '${endpoint.sentinelName}'`);
    } catch (error) {
      errors.push(`${sentinel.host}:${sentinel.port}: ${(error as Error).message}`);
    } finally {
      redis.disconnect();
    }
  }
  throw new Error(`no sentinel gave the master's address (${errors.join('; ')})`);
}

/**
 * On a Redis Cluster, the master serving `key`'s slot, from the first listed node that answers
 * (CLUSTER KEYSLOT, CLUSTER SLOTS); any other endpoint as it is.
 */
async function resolveSlotOwner(endpoint: RedisEndpoint, key: string | undefined): Promise<RedisEndpoint> {
  if (!endpoint.clusterNodes) return endpoint;
  if (key === undefined) throw new Error('a Redis Cluster URL needs slotOf, the key whose slot to read');
  const errors: string[] = [];
  for (const node of endpoint.clusterNodes) {
    const seed: RedisEndpoint = { ...endpoint, clusterNodes: undefined, host: node.host, port: node.port };
    let socket: Socket | undefined;
    try {
      socket = await openSocket(seed);
      const replies = await Promise.all(new LiteRedis(socket).send([...auth(endpoint), ['CLUSTER', 'KEYSLOT', key], ['CLUSTER', 'SLOTS']]));
      const slot = Number(replies.at(-2));
      const range = (replies.at(-1) as unknown[][]).find((r) => slot >= Number(r[0]) && slot <= Number(r[1]));
      if (!range) {
        errors.push(`${node.host}:${node.port}: no node serves slot ${slot}`);
        continue;
      }
      const [host, port] = range[2] as [string, number];
      // '' or '?': the node does not know its own address; it is the one asked.
      return { ...seed, host: host === '' || host === '?' ? node.host : host, port: Number(port) };
    } catch (error) {
      errors.push(`${node.host}:${node.port}: ${(error as Error).message}`);
    } finally {
      socket?.destroy();
    }
  }
  throw new Error(`no cluster node said which serves the slot of '${key}' (${errors.join('; ')})`);
}

function auth(endpoint: RedisEndpoint): RespCommand[] {
  if (endpoint.password === undefined) return [];
  return [endpoint.username === undefined ? ['AUTH', endpoint.password] : ['AUTH', endpoint.username, endpoint.password]];
}

function handshake(endpoint: RedisEndpoint): RespCommand[] {
  const commands: RespCommand[] = [...auth(endpoint)];
  if (endpoint.db !== undefined) commands.push(['SELECT', endpoint.db]);
  // PING too: a connection is only ready once something answered as Redis does.
  commands.push(['PING']);
  return commands;
}

/**
 * Connects (through the sentinels, or to the master of `slotOf`'s slot on a cluster),
 * authenticates, selects the database and waits for PING's answer, all within `connectTimeoutMs`;
 * fails with E_REDIS_UNREACHABLE naming the URL, as connectRedis does.
 */
export async function connectLiteRedis(url: string, options: LiteConnectOptions = {}): Promise<LiteRedis> {
  const endpoint = parseRedisUrl(url);
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  let socket: Socket | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
    });
    socket = await openSocket(await Promise.race([resolveMaster(endpoint).then((found) => resolveSlotOwner(found, options.slotOf)), timeout]));
    socket.setNoDelay(true);
    const redis = new LiteRedis(socket);
    const settled = Promise.allSettled(redis.send(handshake(endpoint))).then((results) => {
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    await Promise.race([settled, timeout]);
    return redis;
  } catch (error) {
    socket?.destroy();
    throw unreachable(url, error);
  } finally {
    clearTimeout(timer);
  }
}
