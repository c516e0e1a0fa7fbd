import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import { specToHash } from '../record-hash.js';
import type { JobData } from '../schemas/job-spec.js';
import { EVENTS_MAXLEN } from './finish.js';

/** A job about to be added to BullMQ by kingly's client. */
export interface NewJob {
  readonly id: string;
  readonly data: JobData;
}

// Creates `queued` records with their index entries and `queued` events, before BullMQ is given
// the jobs (so no job exists without its record). KEYS: events, all-jobs index, queued index, the
// queue's index, then per job its record, name index and group index (the all-jobs index when it
// has none). ARGV: MAXLEN, queue, then per job: id, createdAt, name, n, n hash strings.
const CREATE_SCRIPT = `
local k, a = 5, 3
while a <= #ARGV do
  local id, score, name, n = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  redis.call('HSET', KEYS[k], 'state', 'queued', unpack(ARGV, a + 4, a + 3 + n))
  for _, key in ipairs({KEYS[2], KEYS[3], KEYS[4], KEYS[k + 1]}) do redis.call('ZADD', key, score, id) end
  if KEYS[k + 2] ~= KEYS[2] then redis.call('ZADD', KEYS[k + 2], score, id) end
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', 'queued', 'job', id, 'queue', ARGV[2], 'name', name, 'state', 'queued')
  k, a = k + 3, a + 4 + n
end
return (k - 5) / 3
`;
/** Jobs per script call: one call per thousand keeps each script short and the client's strings few. */
const JOBS_PER_CALL = 1000;

/** Queues the commands that create the jobs' records on `pipeline` (one script per JOBS_PER_CALL jobs). */
export function createQueued(pipeline: ReturnType<Redis['pipeline']>, keys: KinglyKeys, queue: string, jobs: readonly NewJob[]): void {
  for (let start = 0; start < jobs.length; start += JOBS_PER_CALL) {
    const jobKeys: string[] = [keys.events, keys.jobsIndex, keys.stateIndex('queued'), keys.queueIndex(queue)];
    const args: string[] = [String(EVENTS_MAXLEN), queue];
    for (const { id, data } of jobs.slice(start, start + JOBS_PER_CALL)) {
      const { state: _state, ...hash } = specToHash(id, queue, data);
      const fields = Object.entries(hash).flat();
      jobKeys.push(keys.job(id), keys.nameIndex(hash.name!), data.group ? keys.groupIndex(data.group) : keys.jobsIndex);
      args.push(id, String(data.createdAt), hash.name!, String(fields.length), ...fields);
    }
    pipeline.eval(CREATE_SCRIPT, jobKeys.length, ...jobKeys, ...args);
  }
}

/** Removes records createQueued made for jobs BullMQ then failed to add (and their index entries). */
export async function removeRecords(redis: Redis, keys: KinglyKeys, queue: string, jobs: readonly NewJob[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const { id, data } of jobs) {
    const { name } = specToHash(id, queue, data);
    pipeline.del(keys.job(id));
    for (const key of [keys.jobsIndex, keys.stateIndex('queued'), keys.queueIndex(queue), keys.nameIndex(name!), ...(data.group ? [keys.groupIndex(data.group)] : [])]) pipeline.zrem(key, id);
  }
  await pipeline.exec();
}
