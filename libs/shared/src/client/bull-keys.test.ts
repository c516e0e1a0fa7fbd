import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, waitFor } from '@kingly/testing';
import { connectLiteRedis } from '../resp/lite-redis.js';
import { readBullJobData, readBullQueue } from './bull-keys.js';

// bull-keys.ts reads BullMQ's keys without BullMQ: these answers must stay BullMQ's own.
describe('reading BullMQ queues from their keys', () => {
  const prefix = uniqueName('bullkeys');
  let redis: Redis;
  let queue: Queue;
  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    queue = new Queue('q', { connection: redis, prefix });
  });
  afterAll(async () => {
    await queue.close();
    await redis.quit();
  });

  it('counts and lists every state as BullMQ does', async () => {
    // One job of each kind: completed, failed (twice), active (held), waiting, delayed, prioritized.
    let release: () => void = () => {
      /* replaced once the held job runs */
    };
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker(
      'q',
      async (job) => {
        if (job.name === 'fail') throw new Error('no');
        if (job.name === 'hold') await held;
      },
      { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix, concurrency: 1, autorun: false },
    );
    await queue.addBulk([{ name: 'ok', data: {} }, { name: 'fail', data: {} }, { name: 'fail', data: {} }, { name: 'hold', data: { x: 1 } }]);
    void worker.run(); // runs until closed; it rejects only when already running
    await waitFor(async () => (await queue.getJobCounts('active')).active === 1 && (await queue.getJobCounts('wait')).wait === 0, { message: 'the hold job to be active and the rest done' });
    await queue.add('later', {}, { delay: 60_000 });
    await queue.add('urgent', {}, { priority: 1 });
    await queue.add('waiting', {});
    try {
      const bull = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
      const mine = await readBullQueue(redis, prefix, 'q');
      expect(bull).toMatchObject({ waiting: 1, prioritized: 1, delayed: 1, completed: 1, failed: 2 });
      expect(mine.queued).toBe(bull.waiting! + bull.delayed! + bull.prioritized! + bull['waiting-children']!);
      expect(mine.completed).toBe(bull.completed);
      expect(mine.failed).toBe(bull.failed);
      expect(mine.activeIds).toEqual((await queue.getJobs(['active'])).map((j) => j.id));
      expect(new Set(mine.failedIds)).toEqual(new Set((await queue.getJobs(['failed'])).map((j) => j.id)));
      const active = (await queue.getJobs(['active']))[0]!;
      expect(await readBullJobData(redis, prefix, 'q', active.id!)).toEqual({ data: { x: 1 }, timestamp: active.timestamp });
      expect(await readBullJobData(redis, prefix, 'q', 'no-such-job')).toBeUndefined();
      // The same reads through LiteRedis, the client behind `kingly status`.
      const lite = await connectLiteRedis(inject('redisUrl'));
      expect(await readBullQueue(lite, prefix, 'q')).toEqual(mine);
      expect(await readBullJobData(lite, prefix, 'q', active.id!)).toEqual({ data: { x: 1 }, timestamp: active.timestamp });
      await lite.quit();
    } finally {
      release();
      await worker.close();
    }
  });
});
