/**
 * How long finished jobs are kept: one policy, read by the worker's retention loop (prune), the
 * records' TTL (store/finish.ts) and the removeOnComplete/removeOnFail kingly's client gives BullMQ.
 * This file holds the defaults; config `retention` (kingly.config.json) overrides them.
 */
export interface RetentionPolicy {
  /** Finished jobs (record, log, index entries, BullMQ's job) older than this many ms are pruned. @default 604800000 (7 days) */
  readonly maxAgeMs: number;
  /** At most this many finished jobs are kept, the newest; older ones are pruned. @default 10000 */
  readonly maxJobs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeMs: 7 * 24 * 3600 * 1000, maxJobs: 10_000 };

/** BullMQ's part of the policy, for a job's options: it trims its own finished sets by age (s) and count. */
export function bullRemoveOptions(policy: RetentionPolicy = DEFAULT_RETENTION): {
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number; count: number };
} {
  const keep = { age: Math.ceil(policy.maxAgeMs / 1000), count: policy.maxJobs };
  return { removeOnComplete: keep, removeOnFail: { ...keep } };
}
