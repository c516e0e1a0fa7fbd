import { createHash } from 'node:crypto';

/**
 * Every Redis key and channel name kingly uses, built from one prefix. No other file writes a key
 * string. BullMQ owns `<prefix>:<queue>:*` (it is given the same prefix); the rest is kingly's.
 * docs/protocol.md documents each key, its fields and who writes it, for programs that do not use
 * `@kingly/cmd`; a change here changes that document (and maybe PROTOCOL_VERSION, protocol.ts).
 */
export interface KinglyKeys {
  readonly prefix: string;
  /** Stream of one job's output lines; capped with MAXLEN ~ and closed by an end-of-log entry. */
  logs(jobId: string): string;
  /** Hash: the job's record as written by workers and cancellers (state, pid, outcome, sample). */
  job(jobId: string): string;
  /** List of the job's resource samples, oldest first, downsampled to at most ~1,000 (store/samples.ts). */
  samples(jobId: string): string;
  /** Stream of lifecycle events (queued, started, finished) of every job. */
  readonly events: string;
  /** Set of queue names that have ever had a job enqueued (so ids are found whatever queue). */
  readonly queues: string;
  /** Hash with a TTL: a worker's heartbeat. */
  worker(workerId: string): string;
  /** Hash workerId → last heartbeat JSON: every worker seen lately, so dead ones can be shown as dead. */
  readonly workers: string;
  /** Hash jobId → JSON {pgid, pid, startTime, workerId}: process groups to reap after a crash. */
  running(host: string): string;
  /** Pattern matching every host's running hash (for SCAN). */
  readonly runningPattern: string;
  /** Sorted set of jobs whose worker was lost and that wait for BullMQ to let them be retried. */
  readonly lostRetries: string;
  /** Set of the jobs of a group that hold a run slot (for groupConcurrency). */
  groupSlots(group: string): string;
  /** List of the group's jobs waiting for a run slot, oldest first, entries `<queue> <id>` (group-admission.ts). */
  groupWaiting(group: string): string;
  /** Hash port → jobId: ports handed to jobs on a host. */
  ports(host: string): string;
  /** Hash of counters over every job (`logLines`: lines written to job logs). */
  readonly stats: string;
  /** Set of the agent jobs holding one of the `agent.maxConcurrent` run slots (over all workers). */
  readonly agentSlots: string;
  /** List of the agent jobs waiting for one of those slots, oldest first, entries `<queue> <id>` (the worker's admission.ts). */
  readonly agentWaiting: string;
  /** Hash stream-set name → JSON: the stream sets of `kingly parallel` (base, repo, streams). */
  readonly parallelSets: string;
  /** Pub/sub channel a worker listens on for control messages (kill). */
  control(workerId: string): string;
  /** String: the protocol version (PROTOCOL_VERSION) of the last worker that started; no TTL. */
  readonly protocol: string;
  /** Sorted set of every job id, score = createdAt ms: the index listings page through. */
  readonly jobsIndex: string;
  /** Sorted set of the ids of jobs in one state (score = createdAt ms); counts are its size. */
  stateIndex(state: string): string;
  /** Sorted set of the ids of one queue's jobs (score = createdAt ms). */
  queueIndex(queue: string): string;
  /** Sorted set of the ids of one group's jobs (score = createdAt ms). */
  groupIndex(group: string): string;
  /** Sorted set of the ids of jobs with one name (score = createdAt ms); long names by their SHA-1. */
  nameIndex(name: string): string;
  /** Sorted set of finished job ids, score = ms when their record expires (so the indexes drop them). */
  readonly expiries: string;
  /** String with a TTL: the worker whose turn it is to apply the retention policy (SET NX PX). */
  readonly pruneLock: string;
  /** Hash of every webhook's delivery figures, fields `<webhookId>:<name>` (webhooks/stats.ts). */
  readonly webhooks: string;
}

/** Names longer than this are keyed by their SHA-1: a name defaults to the command, which may be 128 KiB. */
export const MAX_NAME_KEY_CHARS = 200;

const nameKeyPart = (name: string): string =>
  name.length <= MAX_NAME_KEY_CHARS ? name : `sha1:${createHash('sha1').update(name).digest('hex')}`;

export const DEFAULT_PREFIX = 'kingly';
/**
 * The prefix on a Redis Cluster when none is configured: a hash tag, so every key of kingly and of
 * BullMQ (`{kingly}:commands:wait`) hashes to one slot (redis-url.ts, resolvePrefix).
 */
export const DEFAULT_CLUSTER_PREFIX = `{${DEFAULT_PREFIX}}`;

/**
 * Second segments kingly uses under the prefix. BullMQ's keys are `<prefix>:<queue>:…`, so a
 * queue may not take one of these names (`group` too: protocol 2 wrote `<prefix>:group:<group>`).
 */
export const RESERVED_QUEUE_NAMES: ReadonlySet<string> = new Set([
  'logs', 'job', 'samples', 'events', 'queues', 'worker', 'workers', 'running', 'lost-retries', 'group', 'group-slots', 'group-waiting', 'ports', 'stats', 'control', 'protocol', 'jobs', 'expiries', 'webhooks', 'prune-lock',
]);

export function createKeys(prefix: string = DEFAULT_PREFIX): KinglyKeys {
  return {
    prefix,
    logs: (jobId) => `${prefix}:logs:${jobId}`,
    job: (jobId) => `${prefix}:job:${jobId}`,
    samples: (jobId) => `${prefix}:samples:${jobId}`,
    events: `${prefix}:events`,
    queues: `${prefix}:queues`,
    worker: (workerId) => `${prefix}:worker:${workerId}`,
    workers: `${prefix}:workers`,
    running: (host) => `${prefix}:running:${host}`,
    runningPattern: `${prefix}:running:*`,
    lostRetries: `${prefix}:lost-retries`,
    groupSlots: (group) => `${prefix}:group-slots:${group}`,
    groupWaiting: (group) => `${prefix}:group-waiting:${group}`,
    ports: (host) => `${prefix}:ports:${host}`,
    stats: `${prefix}:stats`,
    agentSlots: `${prefix}:agent-slots`,
    agentWaiting: `${prefix}:agent-waiting`,
    parallelSets: `${prefix}:parallel-sets`,
    control: (workerId) => `${prefix}:control:${workerId}`,
    protocol: `${prefix}:protocol`,
    jobsIndex: `${prefix}:jobs`,
    stateIndex: (state) => `${prefix}:jobs:state:${state}`,
    queueIndex: (queue) => `${prefix}:jobs:queue:${queue}`,
    groupIndex: (group) => `${prefix}:jobs:group:${group}`,
    nameIndex: (name) => `${prefix}:jobs:name:${nameKeyPart(name)}`,
    expiries: `${prefix}:expiries`,
    pruneLock: `${prefix}:prune-lock`,
    webhooks: `${prefix}:webhooks`,
  };
}

/**
 * Every key that belongs to one job alone: its record first, then what lives and dies with it (log,
 * sample history). Code that expires or deletes a record takes them all from here.
 */
export function jobKeys(keys: KinglyKeys, jobId: string): [record: string, log: string, ...rest: string[]] {
  return [keys.job(jobId), keys.logs(jobId), keys.samples(jobId)];
}
