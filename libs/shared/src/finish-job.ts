import type { Redis } from 'ioredis';
import type { KinglyKeys } from './keys.js';
import type { JobRecord } from './schemas/job-record.js';
import { TERMINAL_STATES } from './job-states.js';
import { recordToHash } from './record-hash.js';
import { eventFields } from './event-fields.js';

/** How long records and logs of finished jobs stay in Redis. */
export const FINISHED_TTL_SECONDS = 7 * 24 * 3600;
/** Approximate cap of the events stream. */
export const EVENTS_MAXLEN = 100_000;

// Writes the terminal record, the `finished` event and the end-of-log entry at once, unless the
// job already ended: whoever finishes a job (worker, canceller, reaper) goes through here, so every
// terminal transition appends exactly one event.
const FINISH_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state then
  for _, t in ipairs(cjson.decode(ARGV[4])) do
    if t == state then return 0 end
  end
end
local fields = cjson.decode(ARGV[2])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
local ev = cjson.decode(ARGV[3])
local flat = {}
for k, v in pairs(ev) do table.insert(flat, k); table.insert(flat, v) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', unpack(flat))
redis.call('XADD', KEYS[3], '*', 'end', '1')
redis.call('EXPIRE', KEYS[3], ARGV[1])
return 1
`;

/**
 * Records the job's terminal state. Returns false when it had already ended (the first writer
 * wins; the loser must not report a second outcome).
 */
export async function finishJob(redis: Redis, keys: KinglyKeys, record: JobRecord): Promise<boolean> {
  const result = await redis.eval(
    FINISH_SCRIPT,
    3,
    keys.job(record.id),
    keys.events,
    keys.logs(record.id),
    String(FINISHED_TTL_SECONDS),
    JSON.stringify(recordToHash(record)),
    JSON.stringify(eventFields('finished', record)),
    JSON.stringify([...TERMINAL_STATES]),
    String(EVENTS_MAXLEN),
  );
  return result === 1;
}
