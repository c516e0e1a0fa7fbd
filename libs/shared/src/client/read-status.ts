import { DEFAULT_QUEUE } from '../defaults.js';
import { createKeys } from '../keys.js';
import { resolvePrefix } from '../redis-url.js';
import { connectLiteRedis } from '../resp/lite-redis.js';
import { knownQueues } from './known-queues.js';
import { status, type StatusReport } from './workers.js';

export interface ReadStatusOptions {
  /** Redis URL: `redis://host:port`, `rediss://…`, `unix:///path/to.sock`, `redis+sentinel://…` or `redis+cluster://…`. */
  readonly redisUrl: string;
  /** Prefix of every Redis key; on a Redis Cluster it must hold a hash tag. @default "kingly" ("{kingly}" on a cluster URL) */
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
  const keys = createKeys(resolvePrefix(options.redisUrl, options.prefix));
  // On a Redis Cluster, the node serving the prefix's slot: every key read here is in that slot.
  const redis = await connectLiteRedis(options.redisUrl, { connectTimeoutMs: options.connectTimeoutMs, slotOf: keys.prefix });
  try {
    const queue = options.queue ?? DEFAULT_QUEUE;
    return await status({ keys, redis: async () => redis, knownQueues: () => knownQueues(redis, keys, queue) });
  } finally {
    // Nothing is pending once the report is read: close without a QUIT round trip, which a server
    // that stopped answering would leave unanswered.
    redis.disconnect();
  }
}
