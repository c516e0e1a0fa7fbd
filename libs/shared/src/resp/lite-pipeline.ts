import type { StatusPipeline } from '../client/status-redis.js';
import { toHash, type RespCommand } from './replies.js';

type Transform = (reply: unknown) => unknown;
const asIs: Transform = (reply) => reply;

/** Queues commands and sends them in one write; exec() answers like ioredis's pipeline. */
export class LitePipeline implements StatusPipeline {
  readonly #send: (commands: readonly RespCommand[]) => Promise<unknown>[];
  readonly #commands: RespCommand[] = [];
  readonly #transforms: Transform[] = [];

  constructor(send: (commands: readonly RespCommand[]) => Promise<unknown>[]) {
    this.#send = send;
  }

  #add(transform: Transform, command: RespCommand): this {
    this.#commands.push(command);
    this.#transforms.push(transform);
    return this;
  }

  hgetall(key: string): this {
    return this.#add(toHash, ['HGETALL', key]);
  }

  hget(key: string, field: string): this {
    return this.#add(asIs, ['HGET', key, field]);
  }

  exists(key: string): this {
    return this.#add(asIs, ['EXISTS', key]);
  }

  llen(key: string): this {
    return this.#add(asIs, ['LLEN', key]);
  }

  zcard(key: string): this {
    return this.#add(asIs, ['ZCARD', key]);
  }

  lrange(key: string, start: number, stop: number): this {
    return this.#add(asIs, ['LRANGE', key, start, stop]);
  }

  zrevrange(key: string, start: number, stop: number): this {
    return this.#add(asIs, ['ZREVRANGE', key, start, stop]);
  }

  async exec(): Promise<[error: Error | null, result: unknown][]> {
    if (this.#commands.length === 0) return [];
    const settled = await Promise.allSettled(this.#send(this.#commands));
    return settled.map((s, i): [Error | null, unknown] =>
      s.status === 'fulfilled' ? [null, this.#transforms[i]!(s.value)] : [s.reason instanceof Error ? s.reason : new Error(String(s.reason)), null],
    );
  }
}
