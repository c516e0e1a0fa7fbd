import type { StatusRedis } from './status-redis.js';

/**
 * Read-only views of a BullMQ queue straight from its keys, for paths that must not load BullMQ
 * (`kingly status` starts in well under 100 ms; importing bullmq alone costs more). The layout is
 * BullMQ's: `<prefix>:<queue>:<state>`, lists for wait, paused and active, sorted sets for the
 * rest. bull-keys.test.ts checks these answers against BullMQ's own getJobCounts and getJobs, so
 * an upgrade that changes the layout fails there.
 */
export interface BullQueueSnapshot {
  /** Jobs not started: wait + paused + delayed + prioritized + waiting-children. */
  readonly queued: number;
  readonly completed: number;
  readonly failed: number;
  /** Ids of active jobs (at most `activeLimit`). */
  readonly activeIds: string[];
  /** Ids of the newest failed jobs (at most `failedLimit`). */
  readonly failedIds: string[];
}

const bullKey = (prefix: string, queue: string, type: string): string => `${prefix}:${queue}:${type}`;

/** One round trip per queue: counts of every state and the ids status needs. */
export async function readBullQueue(redis: StatusRedis, prefix: string, queue: string, { activeLimit = 1000, failedLimit = 1000 } = {}): Promise<BullQueueSnapshot> {
  const key = (type: string): string => bullKey(prefix, queue, type);
  const results = (await redis
    .pipeline()
    .llen(key('wait'))
    .llen(key('paused'))
    .zcard(key('delayed'))
    .zcard(key('prioritized'))
    .zcard(key('waiting-children'))
    .zcard(key('completed'))
    .zcard(key('failed'))
    .lrange(key('active'), 0, activeLimit - 1)
    .zrevrange(key('failed'), 0, failedLimit - 1)
    .exec()) ?? [];
  const value = (i: number): unknown => {
    const [error, result] = results[i] ?? [];
    if (error) throw error;
    return result;
  };
  const count = (i: number): number => Number(value(i) ?? 0);
  return {
    queued: count(0) + count(1) + count(2) + count(3) + count(4),
    completed: count(5),
    failed: count(6),
    activeIds: value(7) as string[],
    failedIds: value(8) as string[],
  };
}

/** The data BullMQ holds for a job (kingly's JobData as JSON), or undefined. */
export async function readBullJobData(redis: StatusRedis, prefix: string, queue: string, id: string): Promise<{ data: unknown; timestamp: number } | undefined> {
  const [data, timestamp] = await redis.hmget(bullKey(prefix, queue, id), 'data', 'timestamp');
  if (data == null) return undefined;
  try {
    return { data: JSON.parse(data) as unknown, timestamp: Number(timestamp ?? 0) };
  } catch {
    return undefined;
  }
}
