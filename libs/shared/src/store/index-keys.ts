import type { KinglyKeys } from '../keys.js';
import { JOB_STATES } from '../job-states.js';

/** What places a job in the indexes: fields of its record. */
export interface IndexedJob {
  readonly id: string;
  readonly queue: string;
  readonly name: string;
  readonly group: string | null;
}

/** How many KEYS the index block takes at the head of every transition script. */
export const INDEX_KEY_COUNT = 5 + JOB_STATES.length;

/**
 * KEYS[1..INDEX_KEY_COUNT] of every transition script: the record, the all-jobs index, the job's
 * queue, name and group index (the all-jobs index again when it has no group: ZADD is idempotent),
 * then one index per state in JOB_STATES order.
 */
export function indexKeys(keys: KinglyKeys, job: IndexedJob): string[] {
  return [
    keys.job(job.id),
    keys.jobsIndex,
    keys.queueIndex(job.queue),
    keys.nameIndex(job.name),
    job.group ? keys.groupIndex(job.group) : keys.jobsIndex,
    ...JOB_STATES.map((s) => keys.stateIndex(s)),
  ];
}

// Lua shared by the transition scripts (prepended to each). `set_state` is the only writer of the
// `state` field: it puts the job on every index (score = its createdAt, so a plain BullMQ job
// taken by a worker is indexed then) and in exactly one state index, and writes `state` last.
export const INDEX_LUA = `
local STATES = {${JOB_STATES.map((s) => `'${s}'`).join(', ')}}
local TERMINAL = {}
for i = 3, #STATES do TERMINAL[STATES[i]] = true end
local function set_state(id, new)
  local score = tonumber(redis.call('HGET', KEYS[1], 'createdAt')) or 0
  for i = 2, 5 do redis.call('ZADD', KEYS[i], score, id) end
  for i, s in ipairs(STATES) do
    if s == new then redis.call('ZADD', KEYS[5 + i], score, id) else redis.call('ZREM', KEYS[5 + i], id) end
  end
  redis.call('HSET', KEYS[1], 'state', new)
end
local function hset_pairs(from, to)
  for i = from, to, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
`;
