import type { KinglyKeys } from '../keys.js';
import { CANCEL_FIELD } from '../control.js';

/** What requestCancel needs of a connection (ioredis's Redis has it). */
interface HsetRedis {
  hset(key: string, field: string, value: string): Promise<number>;
}

/**
 * Writes the cancel request on the record before anything else, so a worker taking the job
 * honours it (the taken and started transitions answer it). Not a state change: the state stays
 * until the job ends.
 */
export async function requestCancel(redis: HsetRedis, keys: KinglyKeys, id: string, signal: string): Promise<void> {
  await redis.hset(keys.job(id), CANCEL_FIELD, signal);
}
