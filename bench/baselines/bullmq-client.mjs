// Baseline client side of the minimal BullMQ worker: add jobs and learn when they are done, the
// way a BullMQ user would (addBulk / add, QueueEvents, waitUntilFinished).
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

/** A queue plus its events reader (from the stream's start, so no completion is missed). */
export async function openQueue(url, name) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection: { url }, lastEventId: '0-0' });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    queue,
    events,
    /** Adds `n` jobs with one addBulk and resolves once every one has completed or failed. */
    async runBatch(n, data) {
      const ids = new Set();
      let left = n;
      let resolveDone;
      const done = new Promise((resolve) => (resolveDone = resolve));
      const early = new Set();
      const onEnd = ({ jobId }) => {
        if (ids.has(jobId)) {
          ids.delete(jobId);
          if (--left === 0) resolveDone();
        } else early.add(jobId);
      };
      events.on('completed', onEnd);
      events.on('failed', onEnd);
      try {
        const jobs = await queue.addBulk(Array.from({ length: n }, () => ({ name: 'true', data })));
        for (const job of jobs) {
          if (early.delete(job.id)) left -= 1;
          else ids.add(job.id);
        }
        if (left > 0) await done;
      } finally {
        events.off('completed', onEnd);
        events.off('failed', onEnd);
      }
    },
    /** Adds one job and waits until it has finished. */
    async runOne(data) {
      const job = await queue.add('true', data);
      await job.waitUntilFinished(events);
    },
    async close() {
      await Promise.all([queue.close(), events.close()]);
      await connection.quit();
    },
  };
}
