import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent } from '@kingly/cmd';
import { waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';

// Short heartbeats and locks so the reaper passes and BullMQ's stalled check come in seconds.
const fast = { heartbeatMs: 300, reapIntervalMs: 300, lockDurationMs: 1500 };

interface Snapshot {
  readonly keys: Map<string, { dump: Buffer; pttl: number }>;
}

/** Keys the test leaves as they are: the live worker's heartbeat goes on after a failover too. */
const isHeartbeat = (prefix: string, key: string): boolean => key === `${prefix}:workers` || key.startsWith(`${prefix}:worker:`);

async function prefixKeys(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch.filter((key) => !isHeartbeat(prefix, key)));
  } while (cursor !== '0');
  return found;
}

/** Every key of the prefix (kingly's and BullMQ's) as a replica would hold it now. */
async function snapshot(redis: Redis, prefix: string): Promise<Snapshot> {
  const keys = new Map<string, { dump: Buffer; pttl: number }>();
  for (const key of await prefixKeys(redis, prefix)) {
    const [dump, pttl] = await Promise.all([redis.dumpBuffer(key), redis.pttl(key)]);
    if (dump) keys.set(key, { dump, pttl });
  }
  return { keys };
}

/** The replica is promoted: writes made after the snapshot are gone, the keys are as it held them. */
async function failOverTo(redis: Redis, prefix: string, replica: Snapshot): Promise<void> {
  const pipeline = redis.multi();
  for (const key of await prefixKeys(redis, prefix)) if (!replica.keys.has(key)) pipeline.del(key);
  for (const [key, { dump, pttl }] of replica.keys) pipeline.restore(key, pttl > 0 ? pttl : 0, dump, 'REPLACE');
  await pipeline.exec();
}

describe('a write lost in an unplanned failover', () => {
  let h: Harness;
  let dir: string;
  beforeAll(() => {
    h = createHarness('lost-write');
    dir = mkdtempSync(join(tmpdir(), 'kingly-lost-write-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends a record left running on a live worker that no longer holds it worker-lost, once', async () => {
    await h.startWorker(fast);
    const redis = await h.client.redis();
    const gate = join(dir, 'gate');
    const { id } = await h.client.enqueue({ command: `while [ ! -e ${gate} ]; do sleep 0.05; done; echo done` });
    await waitFor(async () => (await h.client.getJob(id)).pid !== null, { timeoutMs: 20_000, message: 'the job to run' });
    // The replica's copy while the job runs; its end is never replicated.
    const replica = await snapshot(redis, h.prefix);
    writeFileSync(gate, '');
    expect((await h.client.waitForJob(id, { timeoutMs: 20_000 })).state).toBe('succeeded');
    const queue = await h.client.queue();
    await waitFor(async () => (await (await queue.getJob(id))?.getState()) === 'completed', { timeoutMs: 20_000, message: 'BullMQ to complete the job' });
    await failOverTo(redis, h.prefix, replica);
    // As the promoted replica has it: running on a worker that is alive and holds nothing.
    expect((await h.client.getJob(id)).state).toBe('running');
    expect((await h.client.listWorkers()).filter((w) => w.alive)).toHaveLength(1);
    const failedOverAt = Date.now();
    const ended = await waitFor(
      async () => {
        const record = await h.client.getJob(id);
        return record.state === 'running' ? undefined : record;
      },
      { timeoutMs: 20_000, message: 'the reaper to end the record left running' },
    );
    // A beat (0.3 s) and a reaper pass (0.3 s): well under the bound, which leaves room for load.
    expect(Date.now() - failedOverAt, 'ms from the failover to the record ending').toBeLessThan(15_000);
    expect(ended).toMatchObject({ state: 'worker-lost', reason: expect.stringMatching(/no longer holds the job/) });
    // BullMQ's copy of the job came back active with its lock; once the lock lapses its stalled
    // check fails it (maxStalledCount 0). Nothing runs it again and the record ends only once.
    await waitFor(async () => (await (await queue.getJob(id))?.getState()) === 'failed', { timeoutMs: 20_000, message: "BullMQ's restored job to be failed as stalled" });
    const entries = (await redis.xrange(h.client.keys.events, '-', '+')) as Array<[string, string[]]>;
    const finished = entries.map(([eventId, fields]) => parseEvent(eventId, fields)).filter((e) => e.jobId === id && e.type === 'finished');
    expect(finished.map((e) => e.state)).toEqual(['worker-lost']);
    const final = await h.client.getJob(id);
    expect(final).toMatchObject({ state: 'worker-lost', attempt: 1 });
    expect(await redis.hexists(h.client.keys.running(final.host!), id)).toBe(0);
  }, 90_000);

  it('never ends a job its live worker holds, however often beats and reaper passes come', async () => {
    const h2 = createHarness('held-jobs');
    try {
      // Beats and passes every 100 ms over jobs that end within a few ms: a job between its start
      // and its terminal write must not be taken for one a lost write left behind.
      // (A long TTL: on a loaded machine a 0.3 s one expires while the event loop is busy, and fencing ends jobs.)
      const often = { heartbeatMs: 100, heartbeatTtlMs: 5000, reapIntervalMs: 100, lockDurationMs: 1500, concurrency: 8 };
      await h2.startWorker(often);
      await h2.startWorker(often);
      const jobs = await h2.client.enqueueMany(Array.from({ length: 200 }, (_, n) => ({ command: n % 2 === 0 ? 'true' : 'sleep 0.1' })));
      const records = await h2.client.waitForJobs(jobs.map((j) => j.id), { timeoutMs: 60_000 });
      expect(records.filter((r) => r.state !== 'succeeded').map((r) => `${r.id}: ${r.state} ${r.reason ?? ''}`)).toEqual([]);
    } finally {
      await h2.close();
    }
  }, 90_000);
});
