import { createServer } from 'node:net';
import type { Redis } from 'ioredis';
import { isTerminalState, type JobState, type KinglyKeys } from '@kingly/cmd';
import { SpawnError } from './spawn.js';

/** True when nothing listens on the port (any address). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Hands the job a TCP port from the range that no running job on this host holds and nothing
 * listens on. Reservations of ended jobs are taken back as they are met.
 */
export async function allocatePort(redis: Redis, keys: KinglyKeys, host: string, jobId: string, range: readonly [number, number]): Promise<number> {
  const key = keys.ports(host);
  const held = await redis.hgetall(key);
  for (let port = range[0]; port <= range[1]; port += 1) {
    const holder = held[String(port)];
    if (holder && holder !== jobId) {
      const state = (await redis.hget(keys.job(holder), 'state')) as JobState | null;
      if (state && !isTerminalState(state)) continue;
      await redis.hdel(key, String(port));
    }
    if (!(await portIsFree(port))) continue;
    if ((await redis.hsetnx(key, String(port), jobId)) === 1) return port;
  }
  throw new SpawnError(`no free port in ${range[0]}-${range[1]}: every port is taken by a running job or in use`);
}

export async function releasePort(redis: Redis, keys: KinglyKeys, host: string, port: number, jobId: string): Promise<void> {
  const key = keys.ports(host);
  if ((await redis.hget(key, String(port))) === jobId) await redis.hdel(key, String(port));
}
