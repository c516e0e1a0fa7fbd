import type { Redis } from 'ioredis';
import { heartbeatToHash, type KinglyKeys, type WorkerHeartbeat } from '@kingly/cmd';

/** Keeps the worker's heartbeat hash fresh; it expires three intervals after the last beat. */
export class Heartbeat {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #beat: WorkerHeartbeat;
  readonly #runningCount: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis, keys: KinglyKeys, beat: Omit<WorkerHeartbeat, 'lastSeenAt' | 'running'>, runningCount: () => number) {
    this.#redis = redis;
    this.#key = keys.worker(beat.id);
    this.#beat = { ...beat, running: 0, lastSeenAt: Date.now() };
    this.#runningCount = runningCount;
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => void this.beat().catch(() => {}), this.#beat.intervalMs);
    this.#timer.unref();
  }

  async beat(): Promise<void> {
    this.#beat.lastSeenAt = Date.now();
    this.#beat.running = this.#runningCount();
    const ttlMs = this.#beat.intervalMs * 3;
    await this.#redis.multi().hset(this.#key, heartbeatToHash(this.#beat)).pexpire(this.#key, ttlMs).exec();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#redis.del(this.#key);
  }
}
