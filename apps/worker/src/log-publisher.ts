import type { Redis } from 'ioredis';
import { formatBytes, LOG_FIELDS, STREAM_CODES, type LogStream } from '@kingly/cmd';
import { SizeWindow } from './size-window.js';

export interface LogPublisherOptions {
  /** Lines kept in the stream (MAXLEN ~); past it a system line says output was cut. @default 100000 */
  readonly maxLines?: number;
  /**
   * Bytes of line text kept in the stream (UTF-8, about: trimming drops whole stream nodes); past
   * it a system line says output was cut. @default 67108864 (64 MiB)
   */
  readonly maxBytes?: number;
}

/** A batch is sent once this many lines wait. */
const BATCH_LINES = 500;
/** A batch is sent once this many bytes of line text wait (bounds one script call). */
const BATCH_BYTES = 1024 * 1024;
/** Waiting lines are sent at least this often (ms): live followers see a quiet job's lines at once. */
const FLUSH_MS = 25;
/** Batches in flight before the producer is asked to pause (backpressure on a chatty job). */
const MAX_IN_FLIGHT = 4;

// Adds a batch of lines to a log stream, one entry per line, exactly as one XADD per line would.
// ARGV: stream field, line field, how many lines go in untrimmed, MAXLEN for the rest (the entries
// both caps allow, counted by the worker, which knows every line's size), the truncation notice to
// add before the first trimmed line ('' for none), the system stream code, then (stream code,
// line) pairs. One command per batch instead of one per line: on a chatty job the per-command cost
// on both sides (a Command object, its promise and its reply in the worker, parsing in Redis) was
// most of the work, and the garbage it made grew the worker's heap.
const XADD_BATCH = `
local sf, lf = ARGV[1], ARGV[2]
local plain = tonumber(ARGV[3])
local n = 0
for i = 7, #ARGV, 2 do
  if n < plain then
    redis.call('XADD', KEYS[1], '*', sf, ARGV[i], lf, ARGV[i + 1])
  else
    if n == plain and ARGV[5] ~= '' then
      redis.call('XADD', KEYS[1], '*', sf, ARGV[6], lf, ARGV[5])
    end
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', sf, ARGV[i], lf, ARGV[i + 1])
  end
  n = n + 1
end
if ARGV[5] ~= '' and plain < n then n = n + 1 end
redis.call('HINCRBY', KEYS[2], 'logLines', n)
return n
`;

/**
 * Writes one job's lines to its log stream in batches (one script call of up to BATCH_LINES
 * XADDs each), in arrival order. The producer pauses its streams while `backlogged` and resumes on
 * `drained()`.
 */
export class LogPublisher {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #statsKey: string;
  readonly #maxLines: number;
  readonly #maxBytes: number;
  /** Waiting lines as flat (stream code, line) pairs: no array per line. */
  #batch: string[] = [];
  /** UTF-8 size of each waiting line. */
  #batchSizes: number[] = [];
  #waitingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #written = 0;
  #writtenBytes = 0;
  /** Which cap was passed first, once one was: from then on every batch trims the stream. */
  #truncatedBy: 'lines' | 'bytes' | undefined;
  /** Sizes of the entries the stream keeps once trimmed to both caps. */
  readonly #kept = new SizeWindow();
  #lastSend: Promise<unknown> = Promise.resolve();
  #error: unknown;
  #drainWaiters: Array<() => void> = [];

  /**
   * @param key the job's log stream
   * @param statsKey the counters hash; every line written (system lines included) counts in `logLines`
   */
  constructor(redis: Redis, key: string, statsKey: string, options: LogPublisherOptions = {}) {
    this.#redis = redis;
    this.#key = key;
    this.#statsKey = statsKey;
    this.#maxLines = options.maxLines ?? 100_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** Lines accepted so far (system lines included). */
  get lineCount(): number {
    return this.#written + this.#batch.length / 2;
  }

  /**
   * The closing notice when output was cut, else undefined: the notice written when a cap was
   * passed is trimmed away with the old lines, so it is said again last.
   */
  get truncationSummary(): string | undefined {
    const bytes = this.#writtenBytes + this.#waitingBytes;
    if (this.lineCount > this.#maxLines) return `[kingly] the job wrote ${this.lineCount} lines; only the last ~${this.#maxLines} are kept`;
    if (bytes > this.#maxBytes) return `[kingly] the job wrote ${formatBytes(bytes)} of output lines; only the last ~${formatBytes(this.#maxBytes)} are kept`;
    return undefined;
  }

  get backlogged(): boolean {
    return this.#inFlight >= MAX_IN_FLIGHT;
  }

  push(stream: LogStream, line: string): void {
    const size = Buffer.byteLength(line);
    this.#batch.push(STREAM_CODES[stream], line);
    this.#batchSizes.push(size);
    this.#waitingBytes += size;
    if (this.#batch.length >= BATCH_LINES * 2 || this.#waitingBytes >= BATCH_BYTES) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), FLUSH_MS);
  }

  /** Resolves once fewer than MAX_IN_FLIGHT batches are in flight. */
  drained(): Promise<void> {
    if (!this.backlogged) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Sends what waits and resolves when every line is in Redis. */
  async flush(): Promise<void> {
    this.#send();
    await this.#lastSend;
    if (this.#error) throw this.#error;
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batch.length === 0) return;
    const pairs = this.#batch;
    const sizes = this.#batchSizes;
    this.#batch = [];
    this.#batchSizes = [];
    this.#waitingBytes = 0;
    // Lines go in untrimmed until a cap is passed; from there each one trims the stream to what the
    // caps allow after this batch, after a notice at the first line over.
    let plain = this.#truncatedBy ? 0 : sizes.length;
    let notice = '';
    for (let i = 0; i < sizes.length; i += 1) {
      this.#written += 1;
      this.#writtenBytes += sizes[i]!;
      if (!this.#truncatedBy && (this.#written > this.#maxLines || this.#writtenBytes > this.#maxBytes)) {
        this.#truncatedBy = this.#written > this.#maxLines ? 'lines' : 'bytes';
        plain = i;
        notice =
          this.#truncatedBy === 'lines'
            ? `[kingly] output passed ${this.#maxLines} lines: only the last ~${this.#maxLines} are kept`
            : `[kingly] output passed ${formatBytes(this.#maxBytes)}: only the last ~${formatBytes(this.#maxBytes)} are kept`;
        this.#kept.push(Buffer.byteLength(notice));
      }
      this.#kept.push(sizes[i]!);
      if (this.#truncatedBy) this.#kept.trim(this.#maxLines, this.#maxBytes);
    }
    const keep = this.#truncatedBy ? this.#kept.count : 0;
    this.#inFlight += 1;
    // ioredis writes the commands of one connection in order, so batches land in order.
    this.#lastSend = this.#redis
      .eval(XADD_BATCH, 2, this.#key, this.#statsKey, LOG_FIELDS.stream, LOG_FIELDS.line, plain, keep, notice, STREAM_CODES.system, ...pairs)
      .catch((error: unknown) => {
        this.#error ??= error;
      })
      .finally(() => {
        this.#inFlight -= 1;
        if (!this.backlogged) {
          const waiters = this.#drainWaiters;
          this.#drainWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  }
}
