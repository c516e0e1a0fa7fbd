import type { Job } from 'bullmq';
import type { JobData, KinglyKeys } from '@kingly/cmd';
import { Admission, type AdmissionLine, type AdmissionOptions } from './admission.js';

export { PARKED_RECHECK_MS } from './admission.js';

export interface GroupAdmissionOptions extends AdmissionOptions {
  readonly keys: KinglyKeys;
}

/** A group's line: `<prefix>:group-slots:<group>` and `<prefix>:group-waiting:<group>`. */
export const groupLine = (keys: KinglyKeys, group: string): AdmissionLine => ({ slots: keys.groupSlots(group), waiting: keys.groupWaiting(group), label: `group ${group}` });

/**
 * Group concurrency without polling, in FIFO order (admission.ts): a job of a capped group joins its
 * group's line at enqueue (a plain BullMQ job when it is first taken) and runs once admitted; each
 * job that gives its slot back admits the next. See docs/protocol.md, "Group concurrency".
 */
export class GroupAdmission {
  readonly #keys: KinglyKeys;
  readonly #admission: Admission;

  constructor(options: GroupAdmissionOptions) {
    this.#keys = options.keys;
    this.#admission = new Admission(options);
  }

  /** True when the job may run now. False: it waits in the group's line, parked in the delayed set (the caller throws DelayedError). */
  enter(job: Job<JobData>, token: string | undefined, group: string, limit: number): Promise<boolean> {
    return this.#admission.enter(job, token, groupLine(this.#keys, group), limit);
  }

  /** Gives the job's slot back and promotes the jobs it admits. */
  leave(group: string, jobId: string, limit: number): Promise<void> {
    return this.#admission.leave(groupLine(this.#keys, group), jobId, limit);
  }
}
