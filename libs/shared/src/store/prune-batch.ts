import type { Redis } from 'ioredis';
import { jobKeys, type KinglyKeys } from '../keys.js';
import type { JobState } from '../job-states.js';

// The two scripts of a prune batch: one reads the next ids of an index after an anchor (with the
// record fields the selection needs), the other deletes the chosen jobs, each whole (record, log,
// sample history, every index entry) in one script. The JobStore never reads BullMQ's keys: the
// caller removes BullMQ's part through its API.

/** One job of an index as a prune batch reads it. */
export interface PruneCandidate {
  readonly id: string;
  /** Its score in the index read (createdAt, ms). */
  readonly score: number;
  /** '' when the record is gone (expired meanwhile). */
  readonly state: string;
  /** ms, NaN when unknown. */
  readonly finishedAt: number;
  readonly name: string;
  readonly queue: string;
  readonly group: string;
}

/** A batch read: `lost` when the anchor left the index (someone else pruned it): stop this walk. */
export type PruneRead = { readonly lost: true } | { readonly lost: false; readonly rows: PruneCandidate[]; readonly end: boolean };

// The anchor is the last id a walk looked at that is still in the index (kept, or every id in a dry
// run): the batch starts right after its rank, so jobs deleted meanwhile shift nothing and a job
// added meanwhile is looked at or not, never twice. KEYS[1]: the index. ARGV: anchor ('' = from the
// start), count, 'asc' | 'desc', highest score (asc only; '' for none), the record key's prefix (keys.job('')).
const READ_SCRIPT = `
local asc = ARGV[3] == 'asc'
local start = 0
if ARGV[1] ~= '' then
  local r
  if asc then r = redis.call('ZRANK', KEYS[1], ARGV[1]) else r = redis.call('ZREVRANK', KEYS[1], ARGV[1]) end
  if not r then return -1 end
  start = r + 1
end
local n = tonumber(ARGV[2])
local flat
if asc then flat = redis.call('ZRANGE', KEYS[1], start, start + n - 1, 'WITHSCORES')
else flat = redis.call('ZREVRANGE', KEYS[1], start, start + n - 1, 'WITHSCORES') end
local out = {}
local max = tonumber(ARGV[4])
local ended = #flat < 2 * n
for i = 1, #flat, 2 do
  if asc and max and tonumber(flat[i + 1]) > max then ended = true break end
  local f = redis.call('HMGET', ARGV[5] .. flat[i], 'state', 'finishedAt', 'name', 'queue', 'group')
  out[#out + 1] = {flat[i], flat[i + 1], f[1] or '', f[2] or '', f[3] or '', f[4] or '', f[5] or ''}
end
return {ended and 1 or 0, out}
`;

/** Reads the next `count` ids of `index` after `anchor` (oldest first with 'asc', up to `maxScore`). */
export async function readPruneBatch(redis: Redis, keys: KinglyKeys, index: string, anchor: string, count: number, order: 'asc' | 'desc', maxScore: number): Promise<PruneRead> {
  const reply = (await redis.eval(READ_SCRIPT, 1, index, anchor, count, order, Number.isFinite(maxScore) ? String(maxScore) : '', keys.job(''))) as -1 | [number, string[][]];
  if (reply === -1) return { lost: true };
  const [end, rows] = reply;
  return {
    lost: false,
    end: end === 1,
    rows: rows.map(([id, score, state, finishedAt, name, queue, group]) => ({
      id: id!, score: Number(score), state: state!, finishedAt: finishedAt ? Number(finishedAt) : Number.NaN, name: name!, queue: queue!, group: group!,
    })),
  };
}

/** KEYS of a job in DELETE_SCRIPT before its own keys (jobKeys). */
const INDEX_BLOCK = 4;

/** Why a job was picked: `select` is always pruned; `cap` only while more finished jobs remain than the cap. */
export type PruneReason = 'select' | 'cap';

/** The cap a delete batch holds to: finished jobs counted as the sizes of these state indexes. */
export interface PruneCap {
  readonly max: number;
  readonly states: readonly string[];
}

// Deletes each job whose record still has the state it was chosen in (terminal: a job that was
// made live again, such as a plain BullMQ id reused, is left alone), with its own keys and its
// entries in every index and in `expiries`. A job picked for the cap goes only while the finished
// jobs counted (the state indexes' sizes, read here) are more than the cap, so pruners running at
// once never go below it. Returns the count left, then the 1-based positions of the jobs deleted.
// KEYS: the all-jobs index, expiries, the c counted state indexes, then per job: its state index,
// queue index, name index, group index (the all-jobs index when it has none), then its own keys
// (jobKeys: record first). ARGV: the number of its own keys, c, the cap (-1: none), then per job:
// id, state, reason ('select' | 'cap').
const DELETE_SCRIPT = `
local own, c, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local left = 0
for i = 3, 2 + c do left = left + redis.call('ZCARD', KEYS[i]) end
local k, done = 3 + c, {}
for a = 4, #ARGV, 3 do
  local id = ARGV[a]
  local rec = k + ${INDEX_BLOCK}
  if redis.call('HGET', KEYS[rec], 'state') == ARGV[a + 1] and (ARGV[a + 2] == 'select' or left > cap) then
    for i = rec, rec + own - 1 do redis.call('DEL', KEYS[i]) end
    local counted = redis.call('ZREM', KEYS[k], id)
    for i = 1, 3 do redis.call('ZREM', KEYS[k + i], id) end
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    if counted == 1 then
      for i = 3, 2 + c do if KEYS[i] == KEYS[k] then left = left - 1 end end
    end
    done[#done + 1] = (a - 1) / 3
  end
  k = rec + own
end
return {left, done}
`;

/** A job picked for deletion and why. */
export interface PrunePick<T extends PruneCandidate = PruneCandidate> {
  readonly job: T;
  readonly reason: PruneReason;
}

/**
 * Deletes the jobs (each only while its record still has the state read, and one picked for the
 * cap only while the cap is passed); returns the ones deleted and the finished jobs counted after.
 */
export async function deletePruned<T extends PruneCandidate>(redis: Redis, keys: KinglyKeys, picks: readonly PrunePick<T>[], cap?: PruneCap): Promise<{ deleted: T[]; left: number }> {
  const own = jobKeys(keys, '').length;
  const counted = (cap?.states ?? []).map((s) => keys.stateIndex(s as JobState));
  const scriptKeys: string[] = [keys.jobsIndex, keys.expiries, ...counted];
  const args: string[] = [String(own), String(counted.length), String(cap?.max ?? -1)];
  for (const { job, reason } of picks) {
    const state = keys.stateIndex(job.state as JobState);
    scriptKeys.push(
      state,
      keys.queueIndex(job.queue),
      keys.nameIndex(job.name),
      job.group ? keys.groupIndex(job.group) : keys.jobsIndex,
      ...jobKeys(keys, job.id),
    );
    args.push(job.id, job.state, reason);
  }
  const [left, done] = (await redis.eval(DELETE_SCRIPT, scriptKeys.length, ...scriptKeys, ...args)) as [number, number[]];
  return { deleted: done.map((position) => picks[position - 1]!.job), left };
}
