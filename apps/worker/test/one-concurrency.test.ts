import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';

// A worker takes from its queue and its host queue (two BullMQ workers) under one concurrency.
describe('one concurrency over the queue and the host queue', () => {
  let h: Harness;
  let dir: string;
  beforeAll(() => {
    h = createHarness('one-concurrency');
    dir = mkdtempSync(join(tmpdir(), 'kingly-one-concurrency-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs at most its concurrency (2) with 4 jobs on each queue, and every job once', async () => {
    const worker = await h.startWorker({ concurrency: 2, host: 'slots-host' });
    expect(worker.hostQueue).toBeDefined();
    const running = join(dir, 'running');
    const order = join(dir, 'order');
    // Jobs handed back (active → waiting): a fetch already under way when the slots filled. Bounded,
    // not a loop: the BullMQ workers are paused while the slots are full.
    const handedBack: string[] = [];
    const events = ['commands', worker.hostQueue!].map((queue) => {
      const queueEvents = new QueueEvents(queue, { connection: { url: h.redisUrl }, prefix: h.prefix });
      queueEvents.on('waiting', ({ jobId, prev }) => {
        if (prev === 'active') handedBack.push(jobId);
      });
      return queueEvents;
    });
    await Promise.all(events.map((e) => e.waitUntilReady()));
    // Each job notes "<id> <jobs running with it>" (as its processes see them), then works a while.
    const command = `mkdir -p ${running}; touch ${running}/$KINGLY_JOB_ID; echo "$KINGLY_JOB_ID $(ls ${running} | wc -l)" >> ${order}; sleep 1.5; rm ${running}/$KINGLY_JOB_ID`;
    const specs = Array.from({ length: 4 }, () => ({ command }));
    const ids = [
      ...(await h.client.enqueueMany(specs)).map((j) => j.id),
      ...(await h.client.enqueueMany(specs, { host: 'slots-host' })).map((j) => j.id),
    ];
    // Sample the worker's running jobs (its processes alive) until every job has ended.
    let maxRunning = 0;
    let ended = false;
    const sampling = (async () => {
      while (!ended) {
        maxRunning = Math.max(maxRunning, worker.running.size);
        await delay(10);
      }
    })();
    try {
      const records = await h.client.waitForJobs(ids, { timeoutMs: 90_000 });
      expect(records.map((r) => r.state)).toEqual(ids.map(() => 'succeeded'));
    } finally {
      ended = true;
      await sampling;
      await Promise.all(events.map((e) => e.close()));
    }
    expect(maxRunning).toBe(2);
    // A few per freed slot (both workers fetch for it; about one a job here), not the hundreds of a loop.
    expect(handedBack.length, `jobs handed back: ${handedBack.join(', ')}`).toBeLessThanOrEqual(3 * ids.length);
    const lines = readFileSync(order, 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(lines.map(([id]) => id).sort()).toEqual([...ids].sort());
    expect(Math.max(...lines.map(([, together]) => Number(together)))).toBeLessThanOrEqual(2);
  }, 120_000);
});
