import type { Redis } from 'ioredis';

/** One stream entry as Redis gives it; `fields` is null when the entry was trimmed after delivery. */
export type GroupEntry = [id: string, fields: string[] | null];

/** Makes the consumer group (and the stream, if absent) starting at `from`; an existing group is kept as it is. */
export async function ensureGroup(redis: Redis, stream: string, group: string, from: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, from, 'MKSTREAM');
  } catch (error) {
    if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
  }
}

/**
 * Entries for `consumer`: with id '>', new ones (blocking up to `blockMs`), which become pending
 * for it; with an id, its own pending ones after that id (the ones taken but not acknowledged).
 */
export async function readGroup(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  after: string,
  count: number,
  blockMs?: number,
): Promise<GroupEntry[]> {
  const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
  const reply = (await redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, ...block, 'STREAMS', stream, after)) as
    | Array<[string, GroupEntry[]]>
    | null;
  return reply?.[0]?.[1] ?? [];
}

/**
 * Takes over entries other consumers of the group have held unacknowledged for `minIdleMs`
 * (a consumer that is gone for good), one page from `cursor`. Redis drops entries trimmed from
 * the stream from the pending list itself (7.0+).
 */
export async function autoClaim(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  minIdleMs: number,
  cursor: string,
  count: number,
): Promise<{ next: string; entries: GroupEntry[] }> {
  const reply = (await redis.call('XAUTOCLAIM', stream, group, consumer, minIdleMs, cursor, 'COUNT', count)) as [string, GroupEntry[], ...unknown[]];
  return { next: reply[0], entries: reply[1] ?? [] };
}

export async function ack(redis: Redis, stream: string, group: string, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await redis.xack(stream, group, ...ids);
}
