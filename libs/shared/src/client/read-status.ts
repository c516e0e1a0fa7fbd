import { DEFAULT_QUEUE } from '../defaults.js';
import { createKeys, DEFAULT_PREFIX } from '../keys.js';
import { connectLiteRedis } from '../resp/lite-redis.js';
import { knownQueues } from './known-queues.js';
import { status, type StatusReport } from './workers.js';

export interface ReadStatusOptions {
  /** Redis URL: `redis://host:port`, `rediss://…` or `unix:///path/to.sock`. */
  readonly redisUrl: string;
  /** Prefix of every Redis key. @default "kingly" */
  readonly prefix?: string;
  /** The queue listed first. @default "commands" */
  readonly queue?: string;
  /** Fail with E_REDIS_UNREACHABLE when Redis has not answered within this many ms. @default 5000 */
  readonly connectTimeoutMs?: number;
}

/**
 * What KinglyClient.status() answers, on a connection of its own that is closed afterwards,
 * without loading BullMQ, zod or ioredis (LiteRedis): the read behind `kingly status`, which must
 * start fast.
 */
export async function readStatus(options: ReadStatusOptions): Promise<StatusReport> {
  const redis = await connectLiteRedis(options.redisUrl, { connectTimeoutMs: options.connectTimeoutMs });
  try {
    const keys = createKeys(options.prefix ?? DEFAULT_PREFIX);
    const queue = options.queue ?? DEFAULT_QUEUE;
    return await status({ keys, redis: async () => redis, knownQueues: () => knownQueues(redis, keys, queue) });
  } finally {
    // Nothing is pending once the report is read: close without a QUIT round trip, which a server
    // that stopped answering would leave unanswered.
    redis.disconnect();
  }
}
