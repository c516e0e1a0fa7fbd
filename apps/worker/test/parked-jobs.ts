import { QueueEvents } from 'bullmq';
import type { Harness } from './harness.js';

/** Times each job of the queue went to BullMQ's delayed set: a parked job goes once, a polled one again and again. */
export async function countParked(h: Harness, queue = 'commands'): Promise<{ readonly times: ReadonlyMap<string, number>; close(): Promise<void> }> {
  const events = new QueueEvents(queue, { connection: { url: h.redisUrl }, prefix: h.prefix });
  const times = new Map<string, number>();
  events.on('delayed', ({ jobId }) => times.set(jobId, (times.get(jobId) ?? 0) + 1));
  await events.waitUntilReady();
  return { times, close: () => events.close() };
}
