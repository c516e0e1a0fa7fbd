import type { KinglyKeys } from '../keys.js';
import { JOB_STATES } from '../job-states.js';
import { isNoPermission } from './no-permission.js';

/** What dropExpired needs of a connection (ioredis's Redis has it). */
export interface EvalRedis {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

// Finished records expire (finish.ts sets PEXPIREAT and records the moment in `expiries`). This
// drops the expired ones from the all-jobs and state indexes, so counts and unfiltered listings
// never include them; a queue, group or name index is cleaned by its readers (dropMissing), since
// an expired record no longer says which of those it was on. A record that exists again (a plain
// BullMQ id reused) is left alone. KEYS: expiries, all-jobs index, then the state indexes.
// ARGV: the record key's prefix (keys.job('')), how many at most.
const DROP_EXPIRED_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then
    for i = 2, #KEYS do redis.call('ZREM', KEYS[i], id) end
  end
  redis.call('ZREM', KEYS[1], id)
end
return #ids
`;

/** Most expired jobs dropped per call: readers call it before each read, so it stays short. */
const DROP_BATCH = 1000;

/**
 * Drops jobs whose record has expired from the all-jobs and state indexes. Returns how many it
 * looked at: 0 for a read-only ACL user, whose counts then include expired jobs until a writer
 * (any client or worker) reads.
 */
export async function dropExpired(redis: EvalRedis, keys: KinglyKeys): Promise<number> {
  const indexes = [keys.jobsIndex, ...JOB_STATES.map((s) => keys.stateIndex(s))];
  try {
    return Number(await redis.eval(DROP_EXPIRED_SCRIPT, 1 + indexes.length, keys.expiries, ...indexes, keys.job(''), DROP_BATCH));
  } catch (error) {
    if (isNoPermission(error)) return 0;
    throw error;
  }
}
