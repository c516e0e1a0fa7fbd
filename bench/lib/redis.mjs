// Each benchmark gets its own redis-server on a free loopback port (never 6379), stopped after.
import { startRedisServer } from '@kingly/testing';

/** Runs `fn(redis)` with a private redis-server and stops the server whatever happens. */
export async function withRedis(fn) {
  const redis = await startRedisServer();
  try {
    return await fn(redis);
  } finally {
    await redis.stop();
  }
}
