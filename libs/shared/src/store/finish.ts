import type { Redis } from 'ioredis';
import { jobKeys, type KinglyKeys } from '../keys.js';
import type { JobRecord } from '../schemas/job-record.js';
import { LOG_FIELDS } from '../schemas/log-entry.js';
import { recordToHash } from '../record-hash.js';
import { eventFields } from '../event-fields.js';
import { MAX_LABEL_CHARS, safeText } from '../schemas/spec-text.js';
import { INDEX_KEY_COUNT, INDEX_LUA, indexKeys } from './index-keys.js';
import { DEFAULT_RETENTION } from '../retention.js';

/** How long records and logs of finished jobs stay in Redis at most (the retention policy's maxAge). */
export const FINISHED_TTL_SECONDS = DEFAULT_RETENTION.maxAgeMs / 1000;
/** Approximate cap of the events stream. */
export const EVENTS_MAXLEN = 100_000;
/** A finished job's log this small (MEMORY USAGE, bytes) is compacted: one half-empty stream node. */
const COMPACT_LOG_BYTES = 16_384;

// Writes the terminal record, the `finished` event and the end-of-log entry at once, unless the
// job already ended: whoever finishes a job (worker, canceller, reaper) goes through here, so every
// terminal transition appends exactly one event. Everything comes as plain ARGV strings (no cjson:
// its decoder refuses a lone surrogate's escape, which once left jobs running forever), and the
// state is written last (set_state, which also moves the job to its terminal index), so a script
// that fails midway leaves the job open for the fallback. The record and log expire at one moment
// (Redis's clock), which `expiries` records so the indexes drop the job then (expire.ts); so do
// the job's other keys (jobKeys: the sample history).
// KEYS: the index block (index-keys.ts), events, logs, expiries, then the job's other keys. ARGV: ttl ms, events MAXLEN, id,
// terminal state, the number n of hash strings, n hash strings (field, value, ...), then the
// event's fields and values.
const FINISH_SCRIPT = `${INDEX_LUA}
local state = redis.call('HGET', KEYS[1], 'state')
if state and TERMINAL[state] then return 0 end
local n = tonumber(ARGV[5])
hset_pairs(6, 5 + n)
local ev = {}
for i = 6 + n, #ARGV do ev[#ev + 1] = ARGV[i] end
local base = ${INDEX_KEY_COUNT}
redis.call('XADD', KEYS[base + 1], 'MAXLEN', '~', ARGV[2], '*', unpack(ev))
redis.call('XADD', KEYS[base + 2], '*', '${LOG_FIELDS.end}', '1')
-- A stream's first node is allocated at 4 KiB whatever it holds; a short log is written again at
-- its size (DUMP/RESTORE), so an empty log costs ~0.7 KiB, not ~4.7 (bench/memory.mjs). pcall: an
-- ACL without DUMP/RESTORE only loses the saving.
if (tonumber(redis.call('MEMORY', 'USAGE', KEYS[base + 2])) or 0) <= ${COMPACT_LOG_BYTES} then
  local dump = redis.pcall('DUMP', KEYS[base + 2])
  if type(dump) == 'string' then redis.pcall('RESTORE', KEYS[base + 2], 0, dump, 'REPLACE') end
end
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
redis.call('PEXPIREAT', KEYS[base + 2], at)
set_state(ARGV[3], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], at)
for i = base + 4, #KEYS do redis.call('PEXPIREAT', KEYS[i], at) end
redis.call('ZADD', KEYS[base + 3], at, ARGV[3])
return 1
`;

/** Longest text of the fallback's record fields (name, command, reason), in characters. */
const FALLBACK_TEXT_CHARS = 1000;

export interface FinishJobOptions {
  /**
   * Called when the full record could not be written and the job was ended with the minimal
   * one; the caller logs it. @default undefined (the record's reason says it)
   */
  readonly onFallback?: (error: unknown) => void;
  /** The record, log and sample history expire this long after the end (a worker's retention maxAge). @default FINISHED_TTL_SECONDS × 1000 */
  readonly ttlMs?: number;
}

/**
 * Records the job's terminal state. Returns false when it had already ended (the first writer
 * wins; the loser must not report a second outcome). When the full record cannot be written, the
 * job still ends: a minimal record (state, exit code, times, a reason that says so) goes through
 * the same transition. Throws only when even that fails.
 */
export async function finishJob(redis: Redis, keys: KinglyKeys, record: JobRecord, options: FinishJobOptions = {}): Promise<boolean> {
  try {
    return await runFinish(redis, keys, record, recordToHash(record), options.ttlMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const why = `kingly could not record the full outcome: ${safeText(message, FALLBACK_TEXT_CHARS)}`;
    const minimal: JobRecord = {
      ...record,
      name: safeText(record.name, MAX_LABEL_CHARS),
      command: safeText(record.command, FALLBACK_TEXT_CHARS),
      argv: null,
      tags: [],
      reason: record.reason ? `${why} (outcome: ${safeText(record.reason, FALLBACK_TEXT_CHARS)})` : why,
    };
    const hash = recordToHash({
      state: minimal.state, exitCode: minimal.exitCode, signal: minimal.signal, reason: minimal.reason,
      finishedAt: minimal.finishedAt, durationMs: minimal.durationMs,
    });
    const finished = await runFinish(redis, keys, minimal, hash, options.ttlMs, record);
    options.onFallback?.(error);
    return finished;
  }
}

async function runFinish(redis: Redis, keys: KinglyKeys, record: JobRecord, hash: Record<string, string>, ttlMs = FINISHED_TTL_SECONDS * 1000, indexed: JobRecord = record): Promise<boolean> {
  const { state, ...rest } = hash;
  const fields = Object.entries(rest).flat();
  // The record and log have their own places in KEYS; the rest of the job's keys follow.
  const [, log, ...others] = jobKeys(keys, record.id);
  const result = await redis.eval(
    FINISH_SCRIPT,
    INDEX_KEY_COUNT + 3 + others.length,
    ...indexKeys(keys, indexed),
    keys.events,
    log,
    keys.expiries,
    ...others,
    String(ttlMs),
    String(EVENTS_MAXLEN),
    record.id,
    state ?? record.state,
    String(fields.length),
    ...fields,
    ...Object.entries(eventFields('finished', record)).flat(),
  );
  return result === 1;
}
