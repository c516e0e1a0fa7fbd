import type { TestProject } from 'vitest/node';
import { startRedisServer, type TestRedis } from './redis-server.js';

export type { ProvidedContext } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: TestRedis | undefined;

/** One real redis-server per test run; KINGLY_TEST_REDIS_URL points the run at another one. */
export async function setup(project: TestProject): Promise<void> {
  const override = process.env.KINGLY_TEST_REDIS_URL;
  if (override) {
    project.provide('redisUrl', override);
    return;
  }
  redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
