import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isTerminalState, type JobData, type JobState, type KinglyKeys } from '@kingly/cmd';
import { Admission, type AdmissionLine, type AdmissionOptions } from '../admission.js';

/** The agent spec's cap, when plain BullMQ data gives a sound one. */
export function agentCap(data: unknown): number | undefined {
  const agent = (data as { agent?: { maxConcurrent?: unknown } } | null)?.agent;
  const cap = agent?.maxConcurrent;
  return typeof cap === 'number' && Number.isInteger(cap) && cap >= 1 ? cap : undefined;
}

export interface AgentAdmissionOptions extends AdmissionOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
}

/**
 * `agents.maxConcurrent`: at most that many agent jobs run at once over all workers, admitted in
 * FIFO order without polling by the same admission line as group concurrency (admission.ts), on
 * `<prefix>:agent-slots` and `<prefix>:agent-waiting`. A job finding the slots full first gives
 * back those of holders whose records have ended (their worker was SIGKILLed before it could).
 */
export class AgentAdmission {
  readonly #line: AdmissionLine;
  readonly #admission: Admission;

  constructor(options: AgentAdmissionOptions) {
    const { redis, keys } = options;
    this.#admission = new Admission(options);
    this.#line = {
      slots: keys.agentSlots,
      waiting: keys.agentWaiting,
      label: 'the agent cap (agents.maxConcurrent)',
      holderEnded: async (id) => {
        const state = await redis.hget(keys.job(id), 'state');
        return state === null || isTerminalState(state as JobState);
      },
    };
  }

  /** True when the agent job may run now. False: it waits in the line, parked in the delayed set (the caller throws DelayedError). */
  enter(job: Job<JobData>, token: string | undefined, limit: number): Promise<boolean> {
    return this.#admission.enter(job, token, this.#line, limit);
  }

  /** Gives the job's slot back and promotes the agent jobs it admits. */
  leave(jobId: string, limit: number): Promise<void> {
    return this.#admission.leave(this.#line, jobId, limit);
  }
}
