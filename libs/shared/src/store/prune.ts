import type { Redis } from 'ioredis';
import { badInput } from '../errors.js';
import { JOB_STATES, TERMINAL_STATES, type JobState } from '../job-states.js';
import type { KinglyKeys } from '../keys.js';
import { scanKeys } from '../redis.js';
import { deletePruned, readPruneBatch, type PruneCandidate, type PruneCap, type PrunePick, type PruneReason } from './prune-batch.js';

/** Which finished jobs to prune. Selections given together must all hold; none prunes every finished job. */
export interface PruneOptions {
  /** Only jobs that finished more than this many ms ago. @default undefined (any age) */
  readonly olderThanMs?: number;
  /** Only jobs that ended in one of these states (terminal states only). @default every terminal state */
  readonly states?: readonly JobState[];
  /** Keep the newest N finished jobs (of `states`) of each name. @default undefined (no per-name floor) */
  readonly keepLast?: number;
  /**
   * Keep at most this many finished jobs (of `states`) in all, the newest: older ones are pruned
   * too, whatever the other selections say (the retention policy's `maxJobs`). @default undefined (no cap)
   */
  readonly maxJobs?: number;
  /** Count what would be pruned; change nothing. @default false */
  readonly dryRun?: boolean;
  /** Index entries read per batch (one read script and one delete script each). @default 500 */
  readonly batchSize?: number;
  /** Stops between batches once aborted (the result counts what was done). @default undefined */
  readonly signal?: AbortSignal;
}

/** What a prune did (or, in a dry run, would do). */
export interface PruneResult {
  readonly dryRun: boolean;
  /** Jobs pruned: record, log, sample history and index entries deleted. */
  readonly pruned: number;
  /** `pruned` by the state the jobs had ended in. */
  readonly byState: Partial<Record<JobState, number>>;
  /** BullMQ removals done with them: Queue.remove answered 1 (it does for a job it had trimmed already too); 0 in a dry run. */
  readonly bullRemoved: number;
  /** Index entries looked at. */
  readonly examined: number;
}

export interface PruneHooks {
  /** Removes BullMQ's part of jobs just pruned (kingly ids, all of one queue); returns how many it removed. @default undefined (left to BullMQ's removeOnComplete/removeOnFail) */
  readonly removeFromBull?: (queue: string, ids: readonly string[]) => Promise<number>;
  /** Now, ms. @default Date.now() */
  readonly now?: number;
}

const DEFAULT_BATCH = 500;

/** Validates the options at the edge, naming the option that is wrong. */
export function checkPruneOptions(options: PruneOptions): void {
  const count = (value: number | undefined, name: string): void => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw badInput(`${name} must be a whole number of at least 0, got ${String(value)}`);
  };
  count(options.keepLast, 'keepLast');
  count(options.maxJobs, 'maxJobs');
  count(options.olderThanMs, 'olderThanMs');
  if (options.batchSize !== undefined && (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10_000)) {
    throw badInput(`batchSize must be a whole number from 1 to 10000, got ${String(options.batchSize)}`);
  }
  for (const state of options.states ?? []) {
    if (!TERMINAL_STATES.has(state)) {
      const known = (JOB_STATES as readonly string[]).includes(state);
      throw badInput(
        `state ${known ? `'${state}' is not a finished state` : `must be a finished state, got '${String(state).slice(0, 40)}'`}: prune removes only finished jobs (${[...TERMINAL_STATES].join(', ')})`,
      );
    }
  }
}

/** A walk's tally, shared by its batches. */
class Tally {
  pruned = 0;
  bullRemoved = 0;
  examined = 0;
  readonly byState: Partial<Record<JobState, number>> = {};
  add(jobs: readonly PruneCandidate[]): void {
    this.pruned += jobs.length;
    for (const job of jobs) this.byState[job.state as JobState] = (this.byState[job.state as JobState] ?? 0) + 1;
  }
}

/** One walk over an index, in order: `decide` is asked of every id; false from `more` ends the walk. */
interface Walk {
  readonly index: string;
  readonly order: 'asc' | 'desc';
  /** Highest score read (asc only). */
  readonly maxScore: number;
  /** The cap the delete script holds to, when the walk prunes for one. */
  readonly cap?: PruneCap;
  decide(row: PruneCandidate): PruneReason | false;
  /** Asked before each id: false ends the walk there. */
  more(row: PruneCandidate): boolean;
  /** Told the finished jobs counted after each batch (a cap's walk). */
  left?(count: number): void;
}

/**
 * Prunes finished jobs: each batch of chosen jobs goes in one script (record, log, sample history,
 * every index entry), then BullMQ's part through `hooks.removeFromBull`. Only terminal jobs are
 * ever deleted (the script checks the state again). Indexes are read in batches after an anchor
 * id, so memory stays one batch whatever the number of jobs; several pruners at once each delete
 * a job at most once between them.
 */
export async function pruneJobs(redis: Redis, keys: KinglyKeys, options: PruneOptions = {}, hooks: PruneHooks = {}): Promise<PruneResult> {
  checkPruneOptions(options);
  const dryRun = options.dryRun ?? false;
  const batch = options.batchSize ?? DEFAULT_BATCH;
  const states = new Set<string>(options.states ?? TERMINAL_STATES);
  const now = hooks.now ?? Date.now();
  const cutoff = options.olderThanMs === undefined ? undefined : now - options.olderThanMs;
  const chosen = (row: PruneCandidate): boolean => states.has(row.state);
  const old = (row: PruneCandidate): boolean => cutoff === undefined || row.finishedAt < cutoff;
  const tally = new Tally();

  const run = async (walk: Walk): Promise<void> => {
    let anchor = '';
    while (!options.signal?.aborted) {
      const read = await readPruneBatch(redis, keys, walk.index, anchor, batch, walk.order, walk.maxScore);
      if (read.lost) return;
      const picked: PrunePick[] = [];
      let stopped = false;
      for (const row of read.rows) {
        if (!walk.more(row)) {
          stopped = true;
          break;
        }
        tally.examined += 1;
        const reason = walk.decide(row);
        if (reason) picked.push({ job: row, reason });
      }
      let deleted = picked.map((p) => p.job);
      if (!dryRun && picked.length > 0) {
        const result = await deletePruned(redis, keys, picked, walk.cap);
        deleted = result.deleted;
        walk.left?.(result.left);
      }
      tally.add(deleted);
      if (!dryRun && hooks.removeFromBull) tally.bullRemoved += await removeFromBull(deleted, hooks.removeFromBull);
      // The next batch starts after the last id still in the index (a dry run deletes none).
      const gone = new Set(dryRun ? [] : deleted.map((j) => j.id));
      for (const row of read.rows) if (!gone.has(row.id)) anchor = row.id;
      if (stopped || read.end) return;
    }
  };

  const finishedCount = async (): Promise<number> => {
    const pipeline = redis.pipeline();
    for (const state of states) pipeline.zcard(keys.stateIndex(state));
    return ((await pipeline.exec()) ?? []).reduce((sum, [, n]) => sum + Number(n), 0);
  };
  // One state: its own index is the smaller walk; otherwise every job by creation time.
  const oldestFirst = states.size === 1 ? keys.stateIndex([...states][0]!) : keys.jobsIndex;

  if (options.keepLast !== undefined) {
    for await (const nameIndex of scanNameIndexes(redis, keys)) {
      if (options.signal?.aborted) break;
      let seen = 0;
      await run({
        index: nameIndex,
        order: 'desc',
        maxScore: Number.POSITIVE_INFINITY,
        more: () => true,
        decide: (row) => (chosen(row) && ++seen > options.keepLast! && old(row) ? 'select' : false),
      });
    }
  } else {
    // Each pruned job, whatever made it go, brings the count nearer the cap.
    let excess = options.maxJobs === undefined ? 0 : (await finishedCount()) - options.maxJobs;
    const selects = cutoff !== undefined || options.maxJobs === undefined;
    // Under the cap with nothing else chosen (a worker's pass, usually): nothing to read.
    if (selects || excess > 0) await run({
      index: oldestFirst,
      order: 'asc',
      // A job created after the cutoff finished after it: past there only the cap prunes.
      maxScore: excess <= 0 && cutoff !== undefined ? cutoff : Number.POSITIVE_INFINITY,
      ...(options.maxJobs !== undefined ? { cap: { max: options.maxJobs, states: [...states] } } : {}),
      more: (row) => excess > 0 || (selects && (cutoff === undefined || row.score <= cutoff)),
      decide: (row) => {
        if (!chosen(row)) return false;
        const reason = selects && old(row) ? 'select' : excess > 0 ? 'cap' : false;
        if (reason) excess -= 1;
        return reason;
      },
      left: (count) => (excess = count - options.maxJobs!),
    });
  }
  if (options.keepLast !== undefined && options.maxJobs !== undefined) {
    // The cap after the per-name pass (a dry run deleted nothing: count what it would have).
    let excess = (await finishedCount()) - (dryRun ? tally.pruned : 0) - options.maxJobs;
    await run({
      index: oldestFirst,
      order: 'asc',
      maxScore: Number.POSITIVE_INFINITY,
      cap: { max: options.maxJobs, states: [...states] },
      more: () => excess > 0,
      decide: (row) => (chosen(row) && excess-- > 0 ? 'cap' : false),
      left: (count) => (excess = count - options.maxJobs!),
    });
  }
  return { dryRun, pruned: tally.pruned, byState: tally.byState, bullRemoved: tally.bullRemoved, examined: tally.examined };
}

async function removeFromBull(jobs: readonly PruneCandidate[], remove: (queue: string, ids: readonly string[]) => Promise<number>): Promise<number> {
  const byQueue = new Map<string, string[]>();
  for (const job of jobs) if (job.queue) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job.id]);
  let removed = 0;
  for (const [queue, ids] of byQueue) removed += await remove(queue, ids);
  return removed;
}

/** Every name index, each once (on every master of a Cluster). */
function scanNameIndexes(redis: Redis, keys: KinglyKeys): AsyncGenerator<string> {
  return scanKeys(redis, `${keys.nameIndex('').replace(/[*?[\]\\]/g, '\\$&')}*`);
}
