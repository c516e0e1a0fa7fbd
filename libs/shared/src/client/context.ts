import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import type { JobData } from '../schemas/job-spec.js';
import type { EventsHub } from './events-hub.js';

/** What the client's parts share: the command connection, keys and the queues opened so far. */
export interface ClientContext {
  readonly keys: KinglyKeys;
  readonly defaultQueue: string;
  redis(): Promise<Redis>;
  /** A connection for blocking reads (new, or one a finished reader gave back); the caller gives it back or closes it. */
  blockingRedis(): Promise<Redis>;
  /** Takes back a blocking connection that is idle (its reader ended between two commands), for the next reader. */
  releaseBlockingRedis(connection: Redis): void;
  /** The client's one reader of the events stream, shared by every wait and follower. */
  events(): EventsHub;
  queue(name: string): Promise<Queue<JobData>>;
  /** Every queue that has had a job, the default one first. */
  knownQueues(): Promise<string[]>;
}

export const BULL_JOB_DEFAULTS = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const;
