import type { ChildProcess } from 'node:child_process';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * Runs `run` on a plain connection to the server on loopback `port` (no retries; `options` such as
 * `tls` over that), closed afterwards.
 */
export async function askRedis<T>(port: number, run: (redis: Redis) => Promise<T>, options: RedisOptions = {}): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options });
  redis.on('error', () => {
    /* reported by the command that fails */
  });
  try {
    await redis.connect();
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/** SIGKILLs the servers of a test group and resolves once each has exited. */
export async function killAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
