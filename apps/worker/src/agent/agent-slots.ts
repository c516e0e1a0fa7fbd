import type { Redis } from 'ioredis';
import { isTerminalState, type JobState, type KinglyKeys } from '@kingly/cmd';
import { acquireSlot } from '../group-slots.js';

/** The agent spec's cap, when plain BullMQ data gives a sound one. */
export function agentCap(data: unknown): number | undefined {
  const agent = (data as { agent?: { maxConcurrent?: unknown } } | null)?.agent;
  const cap = agent?.maxConcurrent;
  return typeof cap === 'number' && Number.isInteger(cap) && cap >= 1 ? cap : undefined;
}

/**
 * True when the agent job may run now: fewer than `limit` agent jobs hold a slot over all workers.
 * A full set is checked once for holders that ended without giving theirs back (their worker was
 * SIGKILLed): those are dropped and the slot taken.
 */
export async function acquireAgentSlot(redis: Redis, keys: KinglyKeys, jobId: string, limit: number): Promise<boolean> {
  if (await acquireSlot(redis, keys.agentSlots, jobId, limit)) return true;
  const holders = await redis.smembers(keys.agentSlots);
  const states = await Promise.all(holders.map((id) => redis.hget(keys.job(id), 'state')));
  const gone = holders.filter((_, i) => states[i] === null || isTerminalState(states[i] as JobState));
  if (gone.length === 0) return false;
  await redis.srem(keys.agentSlots, ...gone);
  return acquireSlot(redis, keys.agentSlots, jobId, limit);
}

export async function releaseAgentSlot(redis: Redis, keys: KinglyKeys, jobId: string): Promise<void> {
  await redis.srem(keys.agentSlots, jobId);
}
