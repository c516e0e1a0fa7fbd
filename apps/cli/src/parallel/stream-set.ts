import type { Redis } from 'ioredis';
import type { KinglyKeys } from '@kingly/cmd';

/** One stream of a set: its agent's branch and first prompt. */
export interface StreamEntry {
  readonly stream: string;
  readonly branch: string;
  readonly prompt: string;
}

/** What `kingly parallel init` made, kept in Redis (`<prefix>:parallel-sets`) so any machine can act on it. */
export interface StreamSet {
  readonly name: string;
  /** The repository: an absolute path or a clone URL. */
  readonly repo: string;
  /** The base as a ref (a branch name when HEAD was on one), so sync brings its new commits. */
  readonly base: string;
  /** The commit the streams started from. */
  readonly baseCommit: string;
  /** `agents.<name>` used. */
  readonly agent: string;
  readonly createdAt: number;
  readonly maxTurns?: number;
  readonly budgetUsd?: number;
  readonly streams: readonly StreamEntry[];
}

/** The group the streams' jobs share. */
export const streamGroup = (name: string): string => `parallel:${name}`;
/** The job name of a stream's runs. */
export const streamJobName = (name: string, stream: string): string => `${name}/${stream}`;

/** Stores a new set; false when one of that name exists (nothing written). */
export async function createStreamSet(redis: Redis, keys: KinglyKeys, set: StreamSet): Promise<boolean> {
  return (await redis.hsetnx(keys.parallelSets, set.name, JSON.stringify(set))) === 1;
}

export async function readStreamSet(redis: Redis, keys: KinglyKeys, name: string): Promise<StreamSet | undefined> {
  const raw = await redis.hget(keys.parallelSets, name);
  return raw ? (JSON.parse(raw) as StreamSet) : undefined;
}

export async function listStreamSets(redis: Redis, keys: KinglyKeys): Promise<StreamSet[]> {
  const all = await redis.hgetall(keys.parallelSets);
  return Object.values(all)
    .map((raw) => JSON.parse(raw) as StreamSet)
    .sort((a, b) => a.createdAt - b.createdAt);
}

export async function deleteStreamSet(redis: Redis, keys: KinglyKeys, name: string): Promise<void> {
  await redis.hdel(keys.parallelSets, name);
}
