import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import { TERMINAL_STATES } from '../job-states.js';

/** One point of a job's resource history. */
export interface ResourceSample {
  /** When it was taken (the first sample of a downsampled point), ms since the epoch. */
  readonly t: number;
  /** CPU of the whole process tree, % of one core (mean over a downsampled point). */
  readonly cpuPercent: number;
  /** Resident memory of the whole tree, bytes (max over a downsampled point). */
  readonly rssBytes: number;
  /** Processes in the tree (max over a downsampled point). */
  readonly processCount: number;
}

/** Points a job's history keeps at most before it halves its resolution. */
export const DEFAULT_MAX_SAMPLES = 1000;

// The history is a list of packed entries `t,cpuPercent,rssBytes,processCount,weight` (~35 bytes;
// 1,000 of them stay under 40 KB), weight = raw samples merged into the point. The oldest entry's
// weight is the current resolution: a new sample fills the newest entry until it has as many,
// then starts a new one; past the cap, neighbours are merged pairwise (resolution halves, once
// per cap/2 points, so appends stay O(1) on average). The sample also goes on the record (HSET),
// both only while the record is live: a sample that arrives after the job ended (or once its
// record is gone) must neither overwrite the final figures nor leave a key without a TTL.
// KEYS: record, history. ARGV: cap, packed sample (without weight), then record field/value pairs.
const APPEND_SCRIPT = `
local TERMINAL = {${[...TERMINAL_STATES].map((s) => `['${s}'] = true`).join(', ')}}
local state = redis.call('HGET', KEYS[1], 'state')
if not state or TERMINAL[state] then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local function parse(e)
  local t, c, r, n, w = string.match(e, '^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)$')
  return tonumber(t), tonumber(c), tonumber(r), tonumber(n), tonumber(w)
end
local function merge(a, b)
  local t1, c1, r1, n1, w1 = parse(a)
  local _, c2, r2, n2, w2 = parse(b)
  local w = w1 + w2
  return string.format('%d,%.1f,%d,%d,%d', t1, (c1 * w1 + c2 * w2) / w, math.max(r1, r2), math.max(n1, n2), w)
end
local entry = ARGV[2] .. ',1'
local first = redis.call('LINDEX', KEYS[2], 0)
local last = redis.call('LINDEX', KEYS[2], -1)
if last and select(5, parse(last)) < select(5, parse(first)) then
  redis.call('LSET', KEYS[2], -1, merge(last, entry))
  return 1
end
if redis.call('RPUSH', KEYS[2], entry) > tonumber(ARGV[1]) then
  local all = redis.call('LRANGE', KEYS[2], 0, -1)
  local out = {}
  for i = 1, #all, 2 do
    if all[i + 1] then out[#out + 1] = merge(all[i], all[i + 1]) else out[#out + 1] = all[i] end
  end
  redis.call('DEL', KEYS[2])
  redis.call('RPUSH', KEYS[2], unpack(out))
end
return 1
`;

/** The sample's fields on the record (latest figures) and in the history. */
export interface SampleWrite extends Omit<ResourceSample, 't'> {
  readonly peakRssBytes: number;
  readonly cpuSeconds: number;
}

export interface WriteSampleOptions {
  /** When the sample was taken, ms since the epoch. @default Date.now() */
  readonly t?: number;
  /** Points the history keeps at most before halving its resolution. @default DEFAULT_MAX_SAMPLES (1000) */
  readonly maxSamples?: number;
}

/**
 * Queues one sample of a running job on the caller's pipeline: the record's latest figures and a
 * point of its history, in one script (one reply per job in the pipeline's results).
 */
export function writeSample(pipeline: ReturnType<Redis['pipeline']>, keys: KinglyKeys, id: string, sample: SampleWrite, options: WriteSampleOptions = {}): void {
  const { t = Date.now(), maxSamples = DEFAULT_MAX_SAMPLES } = options;
  const packed = `${Math.round(t)},${sample.cpuPercent.toFixed(1)},${Math.round(sample.rssBytes)},${Math.round(sample.processCount)}`;
  const fields = Object.entries(sample).flatMap(([k, v]) => [k, String(v)]);
  pipeline.eval(APPEND_SCRIPT, 2, keys.job(id), keys.samples(id), String(maxSamples), packed, ...fields);
}

/** Parses the stored history (entries that do not parse are skipped: a reader never fails on one). */
export function parseSamples(entries: readonly string[]): ResourceSample[] {
  const out: ResourceSample[] = [];
  for (const entry of entries) {
    const [t, cpuPercent, rssBytes, processCount] = entry.split(',').map(Number);
    if ([t, cpuPercent, rssBytes, processCount].every((v) => v !== undefined && Number.isFinite(v))) {
      out.push({ t: t!, cpuPercent: cpuPercent!, rssBytes: rssBytes!, processCount: processCount! });
    }
  }
  return out;
}

/** The job's history, oldest first ([] when it has none). */
export async function readSamples(redis: Redis, keys: KinglyKeys, id: string): Promise<ResourceSample[]> {
  return parseSamples(await redis.lrange(keys.samples(id), 0, -1));
}
