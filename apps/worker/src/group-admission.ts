import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData, KinglyKeys } from '@kingly/cmd';

/**
 * A parked job whose release never came (its releaser's worker was killed between the release and
 * the promotion) is looked at again after this many ms. Not a poll: a release promotes the next
 * job at once; this only bounds how long a lost promotion can hold a job back.
 */
export const PARKED_RECHECK_MS = 60_000;

// Admits waiting jobs in line order while the group has free slots. Shared by both scripts.
// KEYS: slots set, waiting list. ARGV[limit]: the cap. A waiting entry is "<queue> <id>" (a queue
// name has no space). Returns the admitted entries.
const FILL = `
local function fill(limit, admitted)
  while redis.call('SCARD', KEYS[1]) < limit do
    local entry = redis.call('LPOP', KEYS[2])
    if not entry then break end
    redis.call('SADD', KEYS[1], string.sub(entry, string.find(entry, ' ', 1, true) + 1))
    admitted[#admitted + 1] = entry
  end
  return admitted
end
`;

// A job asks for a slot. ARGV: its entry, its id, the cap. It joins the end of the line unless it is
// in it (from enqueue), then the line is admitted while slots are free. Returns {1 when the job holds a slot, other admitted entries…}.
const ENTER = `${FILL}
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then return {1} end
if not redis.call('LPOS', KEYS[2], ARGV[1]) then redis.call('RPUSH', KEYS[2], ARGV[1]) end
local admitted = fill(tonumber(ARGV[3]), {})
local out = {0}
for _, entry in ipairs(admitted) do
  if entry == ARGV[1] then out[1] = 1 else out[#out + 1] = entry end
end
return out
`;

// A job gives its slot back. ARGV: its id, the cap. Returns the admitted entries, to promote.
const LEAVE = `${FILL}
redis.call('SREM', KEYS[1], ARGV[1])
return fill(tonumber(ARGV[2]), {})
`;

export interface GroupAdmissionOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  /** A BullMQ queue by name, to promote admitted jobs that wait in its delayed set. */
  readonly queue: (name: string) => Promise<Queue<JobData>>;
  /** Where a failed promotion is reported. */
  readonly failed: (what: string, error: unknown) => void;
}

/**
 * Group concurrency without polling, in FIFO order. A job of a capped group joins its group's line
 * at enqueue (a plain BullMQ job when it is first taken). A worker that takes a job admits the line
 * from its head while the group has free slots; a job not admitted is parked in BullMQ's delayed
 * set (holding no worker slot). Each job that gives its slot back admits the next in line in the
 * same script, and its worker promotes that job out of the delayed set, so it is taken again at
 * once and finds its slot held. See docs/protocol.md, "Group concurrency".
 */
export class GroupAdmission {
  readonly #o: GroupAdmissionOptions;

  constructor(options: GroupAdmissionOptions) {
    this.#o = options;
  }

  /**
   * True when the job may run now. False: the job joined the line and is parked in the delayed set
   * (the caller throws DelayedError).
   */
  async enter(job: Job<JobData>, token: string | undefined, group: string, limit: number): Promise<boolean> {
    const { redis, keys } = this.#o;
    const reply = (await redis.eval(ENTER, 2, keys.groupSlots(group), keys.groupWaiting(group), `${job.queueName} ${job.id!}`, job.id!, String(limit))) as [
      number,
      ...string[],
    ];
    const [admitted, ...others] = reply;
    await this.#promote(group, limit, others);
    if (admitted === 1) return true;
    await job.moveToDelayed(Date.now() + PARKED_RECHECK_MS, token);
    // Admitted between the script and the move (its releaser could not promote an active job).
    if ((await redis.sismember(keys.groupSlots(group), job.id!)) === 1) await this.#promoteOne(job.queueName, job.id!);
    return false;
  }

  /** Gives the job's slot back and promotes the jobs it admits. */
  async leave(group: string, jobId: string, limit: number): Promise<void> {
    const { redis, keys } = this.#o;
    const admitted = (await redis.eval(LEAVE, 2, keys.groupSlots(group), keys.groupWaiting(group), jobId, String(limit))) as string[];
    await this.#promote(group, limit, admitted);
  }

  async #promote(group: string, limit: number, entries: readonly string[]): Promise<void> {
    for (const entry of entries) {
      const space = entry.indexOf(' ');
      const [queueName, id] = [entry.slice(0, space), entry.slice(space + 1)];
      try {
        // A job removed while it waited (cancelled) gives its slot to the next in line.
        if (!(await this.#promoteOne(queueName, id))) await this.leave(group, id, limit);
      } catch (error) {
        this.#o.failed(`admitting job ${id} of group ${group}`, error);
      }
    }
  }

  /** Moves a parked job to the wait list; false when the job is gone or has finished. */
  async #promoteOne(queueName: string, id: string): Promise<boolean> {
    const job = await (await this.#o.queue(queueName)).getJob(id);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed' || state === 'unknown') return false;
    // Active or waiting already (taken before its move finished, or promoted twice): it holds its slot.
    if (state === 'delayed') {
      await job.promote().catch((error: unknown) => {
        if (!/not in the delayed state/.test(String(error))) throw error;
      });
    }
    return true;
  }
}
