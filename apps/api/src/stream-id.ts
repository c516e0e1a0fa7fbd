/** The largest part of a Redis stream id (`<ms>-<seq>`, both unsigned 64-bit). */
const MAX_PART = 2n ** 64n - 1n;
const SHAPE = /^(\d{1,20})-(\d{1,20})$/;


/**
 * A Redis stream id a reader can resume after: `<ms>-<seq>`, each part at most 2^64-1, and not
 * the very last id (Redis refuses an exclusive range that starts there). The one check of ids
 * that come from outside (`from`, `since`, Last-Event-ID): a pattern alone let ids through that
 * Redis then refused, which surfaced as a 500.
 */
export function isStreamId(value: string): boolean {
  const match = SHAPE.exec(value);
  if (!match) return false;
  const ms = BigInt(match[1]!);
  const seq = BigInt(match[2]!);
  return ms <= MAX_PART && seq <= MAX_PART && !(ms === MAX_PART && seq === MAX_PART);
}

export const STREAM_ID_EXPECTED = "a stream id '<ms>-<seq>', each part at most 18446744073709551615";

/** JSON Schema formats for where a reader starts, with what each expects (see installValidation). */
export const STREAM_FORMATS = {
  /** '0' (the beginning) or a stream id. */
  'kingly-stream-start': { validate: (v: string) => v === '0' || isStreamId(v), expected: `'0' or ${STREAM_ID_EXPECTED}` },
  /** '$' (only what comes next), '0' or a stream id. */
  'kingly-stream-since': { validate: (v: string) => v === '$' || v === '0' || isStreamId(v), expected: `'$', '0' or ${STREAM_ID_EXPECTED}` },
} as const;
