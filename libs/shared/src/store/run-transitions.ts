import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { JobData } from '../schemas/job-spec.js';
import { CANCEL_FIELD } from '../control.js';
import { recordToHash, specToHash } from '../record-hash.js';
import { eventFields } from '../event-fields.js';
import { EVENTS_MAXLEN } from './finish.js';
import { INDEX_KEY_COUNT, INDEX_LUA, indexKeys } from './index-keys.js';

// The worker's transitions of a run: taken, started, restarted. Each is one script that writes the
// record, the indexes and the host's reaping entry together and answers the signal of a cancel
// requested meanwhile (CANCEL_FIELD), so a cancel that came first is honoured.

/** Fields a new attempt clears: nothing of the previous attempt's outcome stays. */
const ATTEMPT_FIELDS = ['reason', 'restarts', 'restartedAt', 'port', 'pid', 'pgid', 'exitCode', 'signal', 'finishedAt', 'durationMs', 'cpuPercent', 'rssBytes', 'peakRssBytes', 'cpuSeconds', 'processCount'];

// KEYS: the index block, the host's running hash, the known queues, the sample history. ARGV: id,
// reaping entry, the number n of hash strings, n hash strings, then the fields to clear.
const TAKEN_SCRIPT = `${INDEX_LUA}
local n = tonumber(ARGV[3])
local clear = {}
for i = 4 + n, #ARGV do clear[#clear + 1] = ARGV[i] end
if #clear > 0 then redis.call('HDEL', KEYS[1], unpack(clear)) end
-- A record that had ended (a job BullMQ hands out again) is live again: it must not expire mid-run.
redis.call('PERSIST', KEYS[1])
-- A new attempt starts a new sample history (and an ended one's TTL must not cut this run's short).
redis.call('DEL', KEYS[${INDEX_KEY_COUNT} + 3])
hset_pairs(4, 3 + n)
set_state(ARGV[1], 'running')
redis.call('HSET', KEYS[${INDEX_KEY_COUNT} + 1], ARGV[1], ARGV[2])
-- A plain BullMQ job's queue becomes known here (kingly's client adds it at enqueue), so a
-- lookup of a bare id can try each queue's qualified id.
redis.call('SADD', KEYS[${INDEX_KEY_COUNT} + 2], redis.call('HGET', KEYS[1], 'queue'))
return redis.call('HGET', KEYS[1], '${CANCEL_FIELD}')
`;

// KEYS: the index block, the host's running hash, events. ARGV: id, reaping entry, MAXLEN, the
// number n of hash strings, n hash strings, then the `started` event's fields (none for a restart).
// A job that ended meanwhile (a cancel won) keeps its terminal state.
const STARTED_SCRIPT = `${INDEX_LUA}
local n = tonumber(ARGV[4])
hset_pairs(5, 4 + n)
local state = redis.call('HGET', KEYS[1], 'state')
if not (state and TERMINAL[state]) then set_state(ARGV[1], 'running') end
redis.call('HSET', KEYS[${INDEX_KEY_COUNT} + 1], ARGV[1], ARGV[2])
if #ARGV > 4 + n then
  local ev = {}
  for i = 5 + n, #ARGV do ev[#ev + 1] = ARGV[i] end
  redis.call('XADD', KEYS[${INDEX_KEY_COUNT} + 2], 'MAXLEN', '~', ARGV[3], '*', unpack(ev))
end
return redis.call('HGET', KEYS[1], '${CANCEL_FIELD}')
`;

const withoutState = (hash: Record<string, string>): string[] => Object.entries(hash).filter(([field]) => field !== 'state').flat();

/**
 * The job is taken: running on `record.host`, its workspace being prepared; the spec's fields, the
 * attempt, the indexes (a plain BullMQ job is indexed here) and the reaping entry. Returns the
 * signal of a cancel requested meanwhile, if any.
 */
export async function markTaken(redis: Redis, keys: KinglyKeys, data: JobData, record: JobRecord, reapEntry: string): Promise<string | null> {
  const fields = withoutState({ ...specToHash(record.id, record.queue, data), ...recordToHash(record) });
  const result = await redis.eval(TAKEN_SCRIPT, INDEX_KEY_COUNT + 3, ...indexKeys(keys, record), keys.running(record.host!), keys.queues, keys.samples(record.id), record.id, reapEntry, String(fields.length), ...fields, ...ATTEMPT_FIELDS);
  return (result as string | null) ?? null;
}

/**
 * The command's process exists: its pid and workspace on the record, the `started` event, the
 * reaping entry. Returns the signal of a cancel requested meanwhile, if any.
 */
export async function markStarted(redis: Redis, keys: KinglyKeys, record: JobRecord, reapEntry: string): Promise<string | null> {
  const fields = withoutState(recordToHash(record));
  const event = Object.entries(eventFields('started', record)).flat();
  const result = await redis.eval(STARTED_SCRIPT, INDEX_KEY_COUNT + 2, ...indexKeys(keys, record), keys.running(record.host!), keys.events, record.id, reapEntry, String(EVENTS_MAXLEN), String(fields.length), ...fields, ...event);
  return (result as string | null) ?? null;
}

/** After a restart: the new process on the record and in the reaping list. */
export async function markRestarted(redis: Redis, keys: KinglyKeys, record: JobRecord, reapEntry: string): Promise<void> {
  await redis
    .multi()
    .hset(keys.job(record.id), { pid: record.pid!, pgid: record.pgid!, restarts: record.restarts, restartedAt: Date.parse(record.restartedAt ?? new Date().toISOString()) })
    .hset(keys.running(record.host!), record.id, reapEntry)
    .exec();
}
