import { formatDuration } from './units.js';
import type { BackoffSpec, JobSpec } from './schemas/job-spec.js';

// The one retry rule. BullMQ dispatches jobs and is what puts a failed one back, so its job options
// are the one place a job's attempts and backoff live: the client (and through it the API) sets
// them from the spec, a plain `Queue.add` sets them itself, and the worker only reads them. A spec
// whose own `attempts`/`backoff` say something else would be retried as BullMQ says while its
// record said otherwise (once a job that BullMQ did not put back stayed `queued` for ever), so the
// worker refuses it before running it, naming the field and the option to set.

/** A job's retry options as BullMQ keeps them (`job.opts`). */
export interface BullRetryOptions {
  /** Runs in all; BullMQ treats unset or 0 as 1. @default undefined */
  readonly attempts?: number;
  /** BullMQ's backoff: a number is a fixed delay in ms. @default undefined (retry at once) */
  readonly backoff?: number | { readonly type: string; readonly delay?: number; readonly jitter?: number };
}

/** The policy a job is run with. */
export interface RetryPolicy {
  /** Runs in all, at least 1. */
  readonly attempts: number;
  /** BullMQ's backoff, normalized; undefined: retry at once. */
  readonly backoff?: { readonly type: string; readonly delay: number; readonly jitter?: number };
}

/** A spec field that contradicts the job's BullMQ options, and what to do about it. */
export interface RetryConflict {
  readonly field: 'attempts' | 'backoff';
  readonly message: string;
}

/** The BullMQ options that carry a spec's retry policy; left out where BullMQ's default says the same (smaller jobs). */
export function bullRetryOptions(spec: Pick<JobSpec, 'attempts' | 'backoff'>): { attempts?: number; backoff?: { type: BackoffSpec['type']; delay: number } } {
  return {
    ...(spec.attempts !== undefined && spec.attempts > 1 ? { attempts: spec.attempts } : {}),
    ...(spec.backoff ? { backoff: { type: spec.backoff.type, delay: spec.backoff.delayMs } } : {}),
  };
}

/** What BullMQ will do with a job carrying these options, as BullMQ counts it (`attemptsMade + 1 < attempts`). */
export function retryPolicyOf(opts: BullRetryOptions): RetryPolicy {
  const attempts = typeof opts.attempts === 'number' && Number.isFinite(opts.attempts) && opts.attempts > 1 ? Math.ceil(opts.attempts) : 1;
  const b = opts.backoff;
  const backoff =
    typeof b === 'number'
      ? Number.isFinite(b) ? { type: 'fixed', delay: b } : undefined
      : b && typeof b === 'object'
        ? { type: String(b.type), delay: typeof b.delay === 'number' && Number.isFinite(b.delay) ? b.delay : 0, ...(typeof b.jitter === 'number' ? { jitter: b.jitter } : {}) }
        : undefined;
  return backoff ? { attempts, backoff } : { attempts };
}

const KNOWN_BACKOFFS = new Set(['fixed', 'exponential']);
const showBackoff = (b: { type: string; delay: number }): string => `{ type: '${b.type}', delay: ${b.delay} }`;

/**
 * Where a spec (parsed) and its job's BullMQ options disagree about retries, or the options ask
 * for a backoff this worker cannot compute (BullMQ would throw while failing the job, leaving it
 * stuck): the first such field. Undefined when they agree.
 */
export function retryConflict(spec: Pick<JobSpec, 'attempts' | 'backoff'>, opts: BullRetryOptions): RetryConflict | undefined {
  const policy = retryPolicyOf(opts);
  const set = 'set it in the BullMQ job options, or leave it out of the data (the kingly client sets both from the spec)';
  if (spec.attempts !== undefined && spec.attempts !== policy.attempts) {
    const has = opts.attempts === undefined || opts.attempts === 0 ? 'is not set (1 attempt)' : `is ${opts.attempts}`;
    return { field: 'attempts', message: `is ${spec.attempts} but the BullMQ job's opts.attempts ${has}: BullMQ retries the job, so ${set}: opts: { attempts: ${spec.attempts} }` };
  }
  if (spec.backoff) {
    const wanted = { type: spec.backoff.type, delay: spec.backoff.delayMs };
    const has = policy.backoff;
    if (!has || has.type !== wanted.type || has.delay !== wanted.delay) {
      return {
        field: 'backoff',
        message: `is ${spec.backoff.type} ${spec.backoff.delayMs}ms but the BullMQ job's opts.backoff ${has ? `is ${showBackoff(has)}` : 'is not set'}: ${set}: opts: { backoff: ${showBackoff(wanted)} }`,
      };
    }
  }
  if (policy.attempts > 1 && policy.backoff && !KNOWN_BACKOFFS.has(policy.backoff.type)) {
    return { field: 'backoff', message: `opts.backoff.type '${policy.backoff.type.slice(0, 40)}' is not one a kingly worker knows: use 'fixed' or 'exponential'` };
  }
  return undefined;
}

/**
 * The wait BullMQ puts before the retry after attempt `attempt` (1-based), in words: "now",
 * "in 300ms", or with jitter "in 240ms to 300ms". Same formulas as BullMQ's built-in strategies.
 */
export function describeRetryWait(policy: RetryPolicy, attempt: number): string {
  const b = policy.backoff;
  if (!b) return 'now';
  const max = b.type === 'exponential' ? Math.round(2 ** (attempt - 1) * b.delay) : b.delay;
  if (max <= 0) return 'now';
  const jitter = b.jitter !== undefined && b.jitter > 0 ? Math.min(1, b.jitter) : 0;
  return jitter > 0 ? `in ${formatDuration(max * (1 - jitter))} to ${formatDuration(max)}` : `in ${formatDuration(max)}`;
}
