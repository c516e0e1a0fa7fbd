/**
 * The reads `status()` makes, as a structural type: ioredis's `Redis` satisfies it (the client's
 * shared connection), and so does `LiteRedis` (resp/lite-redis.ts), the small client behind
 * `readStatus` that spares `kingly status` loading ioredis. Signatures follow ioredis's.
 */
export interface StatusPipeline {
  hgetall(key: string): this;
  hget(key: string, field: string): this;
  exists(key: string): this;
  llen(key: string): this;
  zcard(key: string): this;
  lrange(key: string, start: number, stop: number): this;
  zrevrange(key: string, start: number, stop: number): this;
  /** One `[error, reply]` per queued command, in order. */
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

export interface StatusRedis {
  smembers(key: string): Promise<string[]>;
  hgetall(key: string): Promise<Record<string, string>>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  xrevrange(key: string, end: string, start: string, countToken: 'COUNT', count: number): Promise<[id: string, fields: string[]][]>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  pipeline(): StatusPipeline;
}
