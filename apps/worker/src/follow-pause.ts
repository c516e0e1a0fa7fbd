import type { KinglyClient } from '@kingly/cmd';

/**
 * A host queue follows its queue's pause: `kingly pause` pauses the host queues it knows (those in
 * `<prefix>:queues`), and a worker adds its host queue there, then calls this before taking jobs, so
 * a host queue new to kingly is paused when its queue is. Either pause sees the host queue, or
 * this sees the queue paused (the two orders on one Redis). Checked again after pausing: a `kingly
 * resume` in between, which did not know the host queue yet, must not leave it paused.
 */
export async function followPause(client: KinglyClient, queue: string, hostQueue: string): Promise<void> {
  const [base, host] = await Promise.all([client.queue(queue), client.queue(hostQueue)]);
  if (!(await base.isPaused()) || (await host.isPaused())) return;
  await host.pause();
  if (!(await base.isPaused())) await host.resume();
}
