import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisServer, TEST_TLS_CERT, uniqueName, type TestRedis } from '@kingly/testing';
import { ErrorCodes, KinglyError } from '../errors.js';
import { connectLiteRedis, type LiteRedis } from './lite-redis.js';

// LiteRedis stands in for ioredis under `kingly status`: its answers must be ioredis's, on a real
// redis-server, whatever the size of the reply or the way the URL reaches the server.
describe('LiteRedis answers as ioredis does', () => {
  const key = (name: string): string => `${prefix}:${name}`;
  const prefix = uniqueName('lite');
  let io: Redis;
  let lite: LiteRedis;
  beforeAll(async () => {
    io = new Redis(inject('redisUrl'));
    lite = await connectLiteRedis(inject('redisUrl'));
    await io
      .multi()
      .sadd(key('set'), 'a', 'b', 'c')
      .hset(key('hash'), { state: 'running', pid: '42', 'é ✓': 'välue ✓' })
      .rpush(key('list'), 'x', 'y', 'z')
      .zadd(key('zset'), 1, 'one', 2, 'two', 3, 'three')
      .exec();
    for (let i = 0; i < 7; i += 1) await io.xadd(key('stream'), '*', 'type', 'finished', 'n', String(i));
  });
  afterAll(async () => {
    await lite.quit();
    await io.quit();
  });

  it('named commands: smembers, hgetall (empty too), hmget with a missing field, xrevrange, hdel', async () => {
    expect((await lite.smembers(key('set'))).sort()).toEqual((await io.smembers(key('set'))).sort());
    expect(await lite.hgetall(key('hash'))).toEqual(await io.hgetall(key('hash')));
    expect(await lite.hgetall(key('no-such-hash'))).toEqual({});
    expect(await lite.hmget(key('hash'), 'pid', 'nope', 'é ✓')).toEqual(['42', null, 'välue ✓']);
    expect(await lite.xrevrange(key('stream'), '+', '-', 'COUNT', 3)).toEqual(await io.xrevrange(key('stream'), '+', '-', 'COUNT', 3));
    await io.hset(key('to-delete'), 'a', '1', 'b', '2');
    expect(await lite.hdel(key('to-delete'), 'a', 'b', 'c')).toBe(2);
  });

  it('a pipeline answers [error, reply] per command in order, an error reply failing only its own', async () => {
    const build = <P extends { hgetall(k: string): P; hget(k: string, f: string): P; exists(k: string): P; llen(k: string): P; zcard(k: string): P; lrange(k: string, a: number, b: number): P; zrevrange(k: string, a: number, b: number): P }>(p: P): P =>
      p.hgetall(key('hash')).hget(key('hash'), 'state').exists(key('set')).llen(key('list')).llen(key('hash')).zcard(key('zset')).lrange(key('list'), 0, -1).zrevrange(key('zset'), 0, 1);
    const mine = (await build(lite.pipeline()).exec()) ?? [];
    const theirs = (await build(io.pipeline()).exec()) ?? [];
    expect(mine.map(([, value]) => value)).toEqual(theirs.map(([, value]) => value ?? null));
    expect(mine[4]![0]?.message).toMatch(/^WRONGTYPE/);
    expect(mine[4]![0]?.message).toBe(theirs[4]![0]?.message);
    expect(mine.filter(([error]) => error !== null)).toHaveLength(1);
    expect(await lite.pipeline().exec()).toEqual([]);
  });

  it('replies that span many reads (a 2 MB hash) and many commands in one write (3,000) arrive whole', async () => {
    const big = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`field-${i}`, `${'v'.repeat(90)}-${i}`]));
    await io.hset(key('big'), big);
    expect(await lite.hgetall(key('big'))).toEqual(big);
    const pipeline = lite.pipeline();
    for (let i = 0; i < 3000; i += 1) pipeline.hget(key('big'), `field-${i}`);
    const replies = (await pipeline.exec()) ?? [];
    expect(replies).toHaveLength(3000);
    expect(replies.every(([error, value], i) => error === null && value === big[`field-${i}`])).toBe(true);
  });

  it('sends arguments by byte length: multi-byte text round-trips', async () => {
    const text = 'héllo ✓ 日本 🚀';
    expect(await lite.call('SET', key('utf8'), text)).toBe('OK');
    expect(await io.get(key('utf8'))).toBe(text);
  });

  it('a dropped connection fails the command waiting on it and every later one', async () => {
    const victim = await connectLiteRedis(inject('redisUrl'));
    const clientId = (await victim.call('CLIENT', 'ID')) as number;
    // The expectation is attached before the kill: the victim's close can be read before the KILL's
    // reply, and a rejection with no handler by then is an unhandled rejection.
    const waiting = expect(victim.call('BLPOP', key('never'), 0)).rejects.toThrow('connection to Redis closed');
    await expect(io.client('KILL', 'ID', clientId)).resolves.toBe(1);
    await waiting;
    await expect(victim.smembers(key('set'))).rejects.toThrow('connection to Redis closed');
    await expect(victim.quit()).resolves.toBeUndefined();
  });
});

describe('connectLiteRedis', () => {
  let secured: TestRedis;
  beforeAll(async () => {
    secured = await startRedisServer({ password: 's3cret/pw' });
  });
  afterAll(async () => {
    await secured.stop();
  });

  it('authenticates with the password (and the user) of the URL and selects its database', async () => {
    const withDb = await connectLiteRedis(`redis://:s3cret%2Fpw@127.0.0.1:${secured.port}/3`);
    await withDb.call('SET', 'where', 'db3');
    await withDb.quit();
    const io = new Redis({ port: secured.port, host: '127.0.0.1', password: 's3cret/pw', db: 3 });
    expect(await io.get('where')).toBe('db3');
    await io.quit();
    const asUser = await connectLiteRedis(`redis://default:s3cret%2Fpw@127.0.0.1:${secured.port}`);
    expect(await asUser.call('ACL', 'WHOAMI')).toBe('default');
    await asUser.quit();
  });

  it('a wrong or missing password is E_REDIS_UNREACHABLE with Redis own reason and the password hidden', async () => {
    const wrong = await connectLiteRedis(`redis://:nope@127.0.0.1:${secured.port}`).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(KinglyError);
    expect(wrong).toMatchObject({ code: ErrorCodes.REDIS_UNREACHABLE });
    expect((wrong as Error).message).toContain(`redis://:<hidden>@127.0.0.1:${secured.port}`);
    expect((wrong as Error).message).toMatch(/WRONGPASS/);
    expect((wrong as Error).message).not.toContain('nope');
    await expect(connectLiteRedis(`redis://127.0.0.1:${secured.port}`)).rejects.toThrow(/NOAUTH/);
  });

  it('reaches a unix socket, with ?db=N', async () => {
    const plain = await startRedisServer();
    try {
      const lite = await connectLiteRedis(`unix://${plain.socketPath}?db=2`);
      await lite.call('SET', 'over', 'unix');
      await lite.quit();
      const io = new Redis({ path: plain.socketPath, db: 2 });
      expect(await io.get('over')).toBe('unix');
      await io.quit();
    } finally {
      await plain.stop();
    }
  });

  it('a closed port, or a server that never answers, is E_REDIS_UNREACHABLE within the timeout', async () => {
    const closed = await connectLiteRedis(`redis://127.0.0.1:${await freeClosedPort()}`).catch((error: unknown) => error);
    expect(closed).toMatchObject({ code: ErrorCodes.REDIS_UNREACHABLE });
    expect((closed as Error).message).toMatch(/ECONNREFUSED/);

    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const error = await connectLiteRedis(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCodes.REDIS_UNREACHABLE });
      expect((error as Error).message).toContain('no answer within 300ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a URL of another scheme is refused as bad input before connecting', async () => {
    await expect(connectLiteRedis('http://127.0.0.1:6379')).rejects.toMatchObject({ code: ErrorCodes.BAD_INPUT });
  });
});

describe('connectLiteRedis over TLS (rediss://)', () => {
  let secure: TestRedis;
  beforeAll(async () => {
    secure = await startRedisServer({ tls: true });
  });
  afterAll(async () => {
    await secure.stop();
  });

  it('talks TLS to a server whose certificate is trusted (NODE_EXTRA_CA_CERTS), with no warning', async () => {
    // Node reads extra CAs at start: the client runs in a process of its own, as the built package.
    const lite = fileURLToPath(new URL('../../dist/lite.js', import.meta.url));
    const script = `import { connectLiteRedis } from ${JSON.stringify(lite)};
const redis = await connectLiteRedis(process.argv[1]);
console.log(await redis.call('PING'), await redis.call('ECHO', 'over tls'));
await redis.quit();`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, secure.url], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: TEST_TLS_CERT },
    });
    expect(secure.url).toMatch(/^rediss:\/\/127\.0\.0\.1:/);
    expect(stdout.trim()).toBe('PONG over tls');
    expect(stderr).toBe('');
  });

  it('a certificate nobody vouches for is E_REDIS_UNREACHABLE saying so', async () => {
    const error = await connectLiteRedis(secure.url).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.REDIS_UNREACHABLE });
    expect((error as Error).message).toMatch(/self[- ]signed certificate/);
  });

  it('a plain redis:// connection to the TLS port is E_REDIS_UNREACHABLE', async () => {
    const error = await connectLiteRedis(secure.url.replace('rediss://', 'redis://'), { connectTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.REDIS_UNREACHABLE });
  });
});

/** A loopback port that was free a moment ago and has nothing listening. */
async function freeClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
