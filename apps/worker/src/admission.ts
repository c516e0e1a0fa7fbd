import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from '@kingly/cmd';

/**
 * A parked job whose release never came (its releaser's worker was killed between the release and
 * the promotion) is looked at again after this many ms. Not a poll: a release promotes the next
 * job at once; this only bounds how long a lost promotion can hold a job back.
 */
export const PARKED_RECHECK_MS = 60_000;

// Admits waiting jobs in line order while the line has free slots. Shared by both scripts.
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

/** A capped set of run slots and the line of jobs waiting for one: a group's, or the agent cap's. */
export interface AdmissionLine {
  /** Set of the ids of the jobs holding a slot. */
  readonly slots: string;
  /** List of the jobs waiting, oldest first, entries `<queue> <id>`. */
  readonly waiting: string;
  /** What the line is of, for messages ("group g", "the agent cap"). */
  readonly label: string;
  /**
   * Whether a holder's job has ended without giving its slot back (its worker was killed): asked of
   * each holder when a job finds the line full; those are given back. @default none asked
   */
  readonly holderEnded?: (jobId: string) => Promise<boolean>;
}

export interface AdmissionOptions {
  readonly redis: Redis;
  /** A BullMQ queue by name, to promote admitted jobs that wait in its delayed set. */
  readonly queue: (name: string) => Promise<Queue<JobData>>;
  /** Where a failed promotion is reported. */
  readonly failed: (what: string, error: unknown) => void;
}

/**
 * A concurrency cap over all workers without polling, in FIFO order: group concurrency
 * (group-admission.ts) and the agent cap (agent/agent-slots.ts). A job joins the line (a group's
 * jobs at enqueue, others when first taken). A worker that takes a job admits the line from its
 * head while there are free slots; a job not admitted is parked in BullMQ's delayed set (holding no
 * worker slot). Each job that gives its slot back admits the next in line in the same script, and
 * its worker promotes that job out of the delayed set, so it is taken again at once and finds its
 * slot held. See docs/protocol.md, "Group concurrency".
 */
export class Admission {
  readonly #o: AdmissionOptions;

  constructor(options: AdmissionOptions) {
    this.#o = options;
  }

  /**
   * True when the job may run now. False: the job joined the line and is parked in the delayed set
   * (the caller throws DelayedError).
   */
  async enter(job: Job<JobData>, token: string | undefined, line: AdmissionLine, limit: number): Promise<boolean> {
    if (await this.#enter(job, line, limit)) return true;
    // Full: holders whose jobs ended without giving their slots back give them back now.
    if (line.holderEnded && (await this.#dropEnded(line, limit)) && (await this.#enter(job, line, limit))) return true;
    await job.moveToDelayed(Date.now() + PARKED_RECHECK_MS, token);
    // Admitted between the script and the move (its releaser could not promote an active job).
    if ((await this.#o.redis.sismember(line.slots, job.id!)) === 1) await this.#promoteOne(job.queueName, job.id!);
    return false;
  }

  /** Gives the job's slot back (or its place in the line) and promotes the jobs it admits. */
  async leave(line: AdmissionLine, jobId: string, limit: number): Promise<void> {
    const admitted = (await this.#o.redis.eval(LEAVE, 2, line.slots, line.waiting, jobId, String(limit))) as string[];
    await this.#promote(line, limit, admitted);
  }

  /** True when the job holds a slot (now or already); else it is in the line. */
  async #enter(job: Job<JobData>, line: AdmissionLine, limit: number): Promise<boolean> {
    const reply = (await this.#o.redis.eval(ENTER, 2, line.slots, line.waiting, `${job.queueName} ${job.id!}`, job.id!, String(limit))) as [number, ...string[]];
    const [admitted, ...others] = reply;
    await this.#promote(line, limit, others);
    return admitted === 1;
  }

  /** Gives back the slots of holders whose jobs have ended; true when there were any. */
  async #dropEnded(line: AdmissionLine, limit: number): Promise<boolean> {
    const holders = await this.#o.redis.smembers(line.slots);
    const ended = await Promise.all(holders.map((id) => line.holderEnded!(id)));
    const gone = holders.filter((_, i) => ended[i]);
    for (const id of gone) await this.leave(line, id, limit);
    return gone.length > 0;
  }

  async #promote(line: AdmissionLine, limit: number, entries: readonly string[]): Promise<void> {
    for (const entry of entries) {
      const space = entry.indexOf(' ');
      const [queueName, id] = [entry.slice(0, space), entry.slice(space + 1)];
      try {
        // A job removed while it waited (cancelled) gives its slot to the next in line.
        if (!(await this.#promoteOne(queueName, id))) await this.leave(line, id, limit);
      } catch (error) {
        this.#o.failed(`admitting job ${id} of ${line.label}`, error);
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
