import type { Redis } from 'ioredis';
import { LOG_FIELDS, STREAM_BY_CODE, type LogEntry } from '../schemas/log-entry.js';
import type { ClientContext } from './context.js';

export interface FollowLogsOptions {
  /** Keep reading until the job's log ends. @default true */
  readonly follow?: boolean;
  /** Start after this stream id ('0' is the beginning). @default '0' */
  readonly from?: string;
  /** Start with only the last N lines that exist now. @default undefined (all) */
  readonly tail?: number;
  /** Stops the reader. @default undefined */
  readonly signal?: AbortSignal;
  /**
   * Entries read per round trip. A follower that gets full batches is behind the job (and the log
   * keeps only its last lines), so it reads up to 4 times as many per round trip until it has
   * caught up. @default 1000
   */
  readonly batch?: number;
}

type RawEntry = [id: string, fields: string[]];

function toEntry([id, fields]: RawEntry): LogEntry | 'end' {
  let stream: string | undefined;
  let line = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i];
    if (key === LOG_FIELDS.end) return 'end';
    if (key === LOG_FIELDS.stream) stream = fields[i + 1];
    else if (key === LOG_FIELDS.line) line = fields[i + 1]!;
  }
  return { id, stream: STREAM_BY_CODE[stream ?? 's'] ?? 'system', line, ts: Number(id.slice(0, id.indexOf('-'))) };
}

/** Where to start for `tail`: the id just before the last N lines. */
async function tailStart(redis: Redis, key: string, tail: number): Promise<string> {
  if (tail <= 0) {
    const last = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as RawEntry[];
    return last[0]?.[0] ?? '0';
  }
  const last = (await redis.xrevrange(key, '+', '-', 'COUNT', tail + 2)) as RawEntry[];
  const lines = last.filter((e) => toEntry(e) !== 'end');
  if (lines.length <= tail) return '0';
  return lines[tail]![0];
}

/**
 * The job's log lines in order. With `follow`, waits for new lines and ends at the end-of-log
 * entry; without it, ends with the lines that exist now.
 */
export async function* followLogs(ctx: ClientContext, jobId: string, options: FollowLogsOptions = {}): AsyncGenerator<LogEntry> {
  const key = ctx.keys.logs(jobId);
  const follow = options.follow ?? true;
  const batch = options.batch ?? 1000;
  const redis = await ctx.redis();
  let last = options.tail !== undefined ? await tailStart(redis, key, options.tail) : (options.from ?? '0');
  const blocking = follow ? await ctx.blockingRedis() : undefined;
  const abort = (): void => blocking?.disconnect();
  options.signal?.addEventListener('abort', abort, { once: true });
  let failed = false;
  let count = batch;
  try {
    while (!options.signal?.aborted) {
      let entries: RawEntry[];
      if (blocking) {
        const result = (await blocking.xread('COUNT', count, 'BLOCK', 5000, 'STREAMS', key, last)) as
          | Array<[string, RawEntry[]]>
          | null;
        entries = result?.[0]?.[1] ?? [];
        // Redis serves each connection in turn: a writer with several batches in flight adds more
        // per turn than a reader of `batch` entries takes. (Much bigger replies parse slower.)
        count = entries.length >= count ? Math.min(count * 2, batch * 4) : batch;
      } else {
        entries = (await redis.xrange(key, last === '0' ? '-' : `(${last}`, '+', 'COUNT', batch)) as RawEntry[];
      }
      for (const raw of entries) {
        last = raw[0];
        const entry = toEntry(raw);
        if (entry === 'end') return;
        yield entry;
      }
      if (!blocking && entries.length < batch) return;
    }
  } catch (error) {
    failed = true;
    if (!options.signal?.aborted) throw error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
    // Ended at the end of the log or by its reader between two commands: the connection is idle.
    if (blocking && !failed && !options.signal?.aborted) ctx.releaseBlockingRedis(blocking);
    else blocking?.disconnect();
  }
}
