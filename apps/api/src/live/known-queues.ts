import type { KinglyClient } from '@kingly/cmd';

/** Every queue that has had a job, the client's default queue first. */
export async function knownQueues(client: KinglyClient): Promise<string[]> {
  const redis = await client.redis();
  const names = await redis.smembers(client.keys.queues);
  return [client.queueName, ...names.filter((n) => n !== client.queueName).sort()];
}
