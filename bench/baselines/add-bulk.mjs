// Baseline: a raw BullMQ addBulk of n jobs with default options (no validation, no ids of our
// own, no events), on a queue of its own.
import { Queue } from 'bullmq';

/** Adds `count` jobs carrying `data` in one addBulk; resolves with the wall time in ms. */
export async function addBulk(connection, queueName, count, data) {
  const queue = new Queue(queueName, { connection, prefix: 'raw' });
  try {
    const jobs = Array.from({ length: count }, () => ({ name: 'command', data: { ...data } }));
    const started = performance.now();
    const added = await queue.addBulk(jobs);
    const ms = performance.now() - started;
    if (added.length !== count) throw new Error(`addBulk added ${added.length} of ${count}`);
    return ms;
  } finally {
    await queue.close();
  }
}
