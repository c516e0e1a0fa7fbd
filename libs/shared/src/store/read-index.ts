import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import { recordFromHash } from '../record-hash.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { JobState } from '../job-states.js';
import { dropExpired } from './expire.js';
import { isNoPermission } from './no-permission.js';

/** Which jobs a listing wants; every filter is one index. */
export interface IndexFilter {
  readonly state?: JobState;
  readonly queue?: string;
  readonly group?: string;
  readonly name?: string;
}

/** Where a page starts and how long it is. */
export interface IndexPageOptions {
  /** At most this many records. */
  readonly limit: number;
  /** Only jobs older than this job (its id): the previous page's last. @default undefined (the newest) */
  readonly before?: string;
}

/** Fewest ids read per round trip when a second filter is checked on the records (it may drop most of a batch). */
const MIN_BATCH = 100;

/**
 * Jobs newest first from the indexes: the smallest index among the filters (ZCARD) is read a batch
 * at a time (ZREVRANGE by rank, then one pipelined HGETALL per batch) and the other filters are
 * checked on the records, so the cost is O(page) when one filter (or none) is given. Ids whose
 * record has expired are dropped from the index read (ZREM) and skipped.
 */
export async function readIndex(redis: Redis, keys: KinglyKeys, filter: IndexFilter, page: IndexPageOptions): Promise<JobRecord[]> {
  await dropExpired(redis, keys);
  const candidates = [
    filter.state !== undefined ? keys.stateIndex(filter.state) : undefined,
    filter.queue !== undefined ? keys.queueIndex(filter.queue) : undefined,
    filter.group !== undefined ? keys.groupIndex(filter.group) : undefined,
    filter.name !== undefined ? keys.nameIndex(filter.name) : undefined,
  ].filter((k): k is string => k !== undefined);
  const index = await smallest(redis, candidates.length > 0 ? candidates : [keys.jobsIndex]);
  const matches = (r: JobRecord): boolean =>
    (filter.state === undefined || r.state === filter.state) &&
    (filter.queue === undefined || r.queue === filter.queue) &&
    (filter.group === undefined || r.group === filter.group) &&
    (filter.name === undefined || r.name === filter.name);

  let rank = 0;
  // The cursor job's place in this index; a job that left it (it changed state) is placed by its
  // creation time: everything newer is skipped, and among equal times the ids not below it.
  let skip: { score: number; id: string } | undefined;
  if (page.before !== undefined) {
    const [own, score] = (await redis.pipeline().zrevrank(index, page.before).zscore(keys.jobsIndex, page.before).exec()) ?? [];
    if (own?.[1] !== null && own?.[1] !== undefined) rank = Number(own[1]) + 1;
    else if (score?.[1] !== null && score?.[1] !== undefined) {
      skip = { score: Number(score[1]), id: page.before };
      rank = await redis.zcount(index, `(${skip.score}`, '+inf');
    } else return [];
  }
  // With at most one filter every id read is wanted (but for expired ones): read one page's worth.
  const batch = candidates.length > 1 ? Math.max(page.limit, MIN_BATCH) : page.limit;
  const found: JobRecord[] = [];
  const seen = new Set<string>();
  while (found.length < page.limit) {
    const flat = await redis.zrevrange(index, rank, rank + batch - 1, 'WITHSCORES');
    if (flat.length === 0) break;
    rank += flat.length / 2;
    const ids: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i]!;
      if (skip && Number(flat[i + 1]) === skip.score && id >= skip.id) continue;
      if (!seen.has(id)) ids.push(id);
      seen.add(id);
    }
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.job(id));
    const hashes = (await pipeline.exec()) ?? [];
    const gone: string[] = [];
    for (const [i, id] of ids.entries()) {
      const hash = (hashes[i]?.[1] ?? {}) as Record<string, string>;
      if (!hash.state) {
        // Expired (or never finished being written): not a job any more.
        if (Object.keys(hash).length === 0) gone.push(id);
        continue;
      }
      const record = recordFromHash(id, hash);
      if (matches(record)) found.push(record);
      if (found.length === page.limit) break;
    }
    // A read-only ACL user cannot drop them: the next batch then starts after them, not on them.
    if (gone.length > 0 && (await dropGone(redis, index, gone))) rank -= gone.length;
    if (flat.length / 2 < batch) break;
  }
  return found;
}

async function dropGone(redis: Redis, index: string, ids: string[]): Promise<boolean> {
  try {
    await redis.zrem(index, ...ids);
    return true;
  } catch (error) {
    if (isNoPermission(error)) return false;
    throw error;
  }
}

async function smallest(redis: Redis, indexes: string[]): Promise<string> {
  if (indexes.length === 1) return indexes[0]!;
  const pipeline = redis.pipeline();
  for (const key of indexes) pipeline.zcard(key);
  const sizes = ((await pipeline.exec()) ?? []).map(([, n]) => Number(n));
  let best = 0;
  for (let i = 1; i < indexes.length; i++) if (sizes[i]! < sizes[best]!) best = i;
  return indexes[best]!;
}
