import type { Redis } from 'ioredis';
import { LOG_FIELDS, STREAM_CODES, type LogStream } from '@kingly/cmd';

export interface LogPublisherOptions {
  /** Lines kept in the stream (MAXLEN ~); past it a system line says output was cut. @default 100000 */
  readonly maxLines?: number;
  /** Send a batch once this many lines wait. @default 500 */
  readonly batchLines?: number;
  /** Send waiting lines at least this often. @default 25 */
  readonly flushMs?: number;
  /** Batches in flight before the producer is asked to pause. @default 4 */
  readonly maxInFlight?: number;
}

// Adds a batch of lines to a log stream, one entry per line, exactly as one XADD per line would.
// ARGV: stream field, line field, how many lines go in untrimmed, MAXLEN for the rest, the
// truncation notice to add before the first trimmed line ('' for none), the system stream code,
// then (stream code, line) pairs. One command per batch instead of one per line: on a chatty job
// the per-command cost on both sides (a Command object, its promise and its reply in the worker,
// parsing in Redis) was most of the work, and the garbage it made grew the worker's heap.
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
 * Writes one job's lines to its log stream in batches (one script call of up to `batchLines`
 * XADDs each), in arrival order. The producer pauses its streams while `backlogged` and resumes on
 * `drained()`.
 */
export class LogPublisher {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #statsKey: string;
  readonly #maxLines: number;
  readonly #batchLines: number;
  readonly #flushMs: number;
  readonly #maxInFlight: number;
  /** Waiting lines as flat (stream code, line) pairs: no array per line. */
  #batch: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #written = 0;
  #truncatedNoticeSent = false;
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
    this.#batchLines = options.batchLines ?? 500;
    this.#flushMs = options.flushMs ?? 25;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  /** Lines accepted so far (system lines included). */
  get lineCount(): number {
    return this.#written + this.#batch.length / 2;
  }

  /** Lines kept in the stream at most (MAXLEN ~). */
  get maxLines(): number {
    return this.#maxLines;
  }

  get backlogged(): boolean {
    return this.#inFlight >= this.#maxInFlight;
  }

  push(stream: LogStream, line: string): void {
    this.#batch.push(STREAM_CODES[stream], line);
    if (this.#batch.length >= this.#batchLines * 2) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), this.#flushMs);
  }

  /** Resolves once fewer than maxInFlight batches are in flight. */
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
    this.#batch = [];
    const lines = pairs.length / 2;
    // Lines up to maxLines go in untrimmed; past it each XADD trims (MAXLEN ~), after a notice.
    const plain = Math.max(0, Math.min(lines, this.#maxLines - this.#written));
    this.#written += lines;
    let notice = '';
    if (plain < lines && !this.#truncatedNoticeSent) {
      this.#truncatedNoticeSent = true;
      notice = `[kingly] output passed ${this.#maxLines} lines: only the last ~${this.#maxLines} are kept`;
    }
    this.#inFlight += 1;
    // ioredis writes the commands of one connection in order, so batches land in order.
    this.#lastSend = this.#redis
      .eval(XADD_BATCH, 2, this.#key, this.#statsKey, LOG_FIELDS.stream, LOG_FIELDS.line, plain, this.#maxLines, notice, STREAM_CODES.system, ...pairs)
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
