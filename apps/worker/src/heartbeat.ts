import type { Redis } from 'ioredis';
import type { KinglyKeys, WorkerHeartbeat } from '@kingly/cmd';

/**
 * Keeps the worker's heartbeat key fresh (it expires three intervals after the last beat) and its
 * entry in the workers registry, which outlives it so a dead worker shows as dead.
 */
export class Heartbeat {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #registry: string;
  readonly #beat: WorkerHeartbeat;
  readonly #runningCount: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis, keys: KinglyKeys, beat: Omit<WorkerHeartbeat, 'lastSeenAt' | 'running'>, runningCount: () => number) {
    this.#redis = redis;
    this.#key = keys.worker(beat.id);
    this.#registry = keys.workers;
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
    const json = JSON.stringify(this.#beat);
    await this.#redis.multi().set(this.#key, json, 'PX', ttlMs).hset(this.#registry, this.#beat.id, json).exec();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    // A worker that stops cleanly leaves no trace; only dead ones stay listed.
    await this.#redis.multi().del(this.#key).hdel(this.#registry, this.#beat.id).exec();
  }
}
