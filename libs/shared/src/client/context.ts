import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import type { JobData } from '../schemas/job-spec.js';
import type { EventsHub } from './events-hub.js';
import { bullRemoveOptions, DEFAULT_RETENTION, type RetentionPolicy } from '../retention.js';

/** What the client's parts share: the command connection, keys and the queues opened so far. */
export interface ClientContext {
  readonly keys: KinglyKeys;
  readonly defaultQueue: string;
  /** How long finished jobs are kept: BullMQ's removeOnComplete/removeOnFail of each job added follow it. */
  readonly retention: RetentionPolicy;
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

/** BullMQ options of every job kingly's client adds with the default retention (retention.ts). */
export const BULL_JOB_DEFAULTS = bullRemoveOptions(DEFAULT_RETENTION);
