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

/**
 * Writes one job's lines to its log stream in pipelined XADD batches, in arrival order. The
 * producer pauses its streams while `backlogged` and resumes on `drained()`.
 */
export class LogPublisher {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #maxLines: number;
  readonly #batchLines: number;
  readonly #flushMs: number;
  readonly #maxInFlight: number;
  #batch: Array<[string, string]> = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #written = 0;
  #truncatedNoticeSent = false;
  #lastSend: Promise<unknown> = Promise.resolve();
  #error: unknown;
  #drainWaiters: Array<() => void> = [];

  constructor(redis: Redis, key: string, options: LogPublisherOptions = {}) {
    this.#redis = redis;
    this.#key = key;
    this.#maxLines = options.maxLines ?? 100_000;
    this.#batchLines = options.batchLines ?? 500;
    this.#flushMs = options.flushMs ?? 25;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  /** Lines accepted so far (system lines included). */
  get lineCount(): number {
    return this.#written + this.#batch.length;
  }

  get backlogged(): boolean {
    return this.#inFlight >= this.#maxInFlight;
  }

  push(stream: LogStream, line: string): void {
    this.#batch.push([STREAM_CODES[stream], line]);
    if (this.#batch.length >= this.#batchLines) this.#send();
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
    const batch = this.#batch;
    this.#batch = [];
    const pipeline = this.#redis.pipeline();
    for (const [code, line] of batch) {
      this.#written += 1;
      if (this.#written > this.#maxLines) {
        if (!this.#truncatedNoticeSent) {
          this.#truncatedNoticeSent = true;
          pipeline.xadd(this.#key, '*', LOG_FIELDS.stream, STREAM_CODES.system,
            LOG_FIELDS.line, `[kingly] output passed ${this.#maxLines} lines: only the last ~${this.#maxLines} are kept`);
        }
        pipeline.xadd(this.#key, 'MAXLEN', '~', this.#maxLines, '*', LOG_FIELDS.stream, code, LOG_FIELDS.line, line);
      } else {
        pipeline.xadd(this.#key, '*', LOG_FIELDS.stream, code, LOG_FIELDS.line, line);
      }
    }
    this.#inFlight += 1;
    // ioredis writes pipelines of one connection in order, so batches land in order.
    this.#lastSend = pipeline
      .exec()
      .then((results) => {
        const failed = results?.find(([error]) => error);
        if (failed) this.#error ??= failed[0];
      })
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
