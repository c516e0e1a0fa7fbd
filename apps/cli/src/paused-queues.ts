/**
 * Which of `queues` are paused (kingly pause), asked through BullMQ's own Queue.isPaused: the pause
 * is BullMQ's state, kept by BullMQ, so it is read the way BullMQ reads it.
 */
export async function pausedQueues(redisUrl: string, prefix: string, queues: readonly string[]): Promise<string[]> {
  const { KinglyClient } = await import('@kingly/cmd');
  const client = new KinglyClient({ redisUrl, prefix });
  try {
    const unique = [...new Set(queues)];
    const paused = await Promise.all(unique.map(async (q) => (await client.queue(q)).isPaused()));
    return unique.filter((_, i) => paused[i]);
  } finally {
    await client.close();
  }
}
