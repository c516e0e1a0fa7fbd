import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@kingly/testing';
import type { KinglyKeys } from '../keys.js';
import { finishJob } from '../store/finish.js';
import { markStarted } from '../store/run-transitions.js';
import { writeSample, type SampleWrite } from '../store/samples.js';
import { KinglyClient } from './kingly-client.js';
import { readStatus } from './read-status.js';

// readStatus (LiteRedis, behind `kingly status`) and KinglyClient.status (ioredis) run the same
// status() over different clients: on one fixed state of every kind, they must answer alike.
async function writeSampleNow(redis: Redis, keys: KinglyKeys, id: string, sample: SampleWrite): Promise<void> {
  const pipeline = redis.pipeline();
  writeSample(pipeline, keys, id, sample);
  await pipeline.exec();
}

describe('readStatus', () => {
  const prefix = uniqueName('readstatus');
  let client: KinglyClient;
  let io: Redis;
  beforeAll(async () => {
    client = new KinglyClient({ redisUrl: inject('redisUrl'), prefix });
    io = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await client.close();
    await io.quit();
  });

  it('answers as KinglyClient.status() does: counts, workers alive and dead, running, failures', async () => {
    const keys = client.keys;
    const [failing, timedOut, running] = (await client.enqueueMany([{ argv: ['a'] }, { argv: ['b'] }, { argv: ['c'] }, { argv: ['d'] }])).map((j) => j.id);
    await client.enqueue({ argv: ['e'] }, { queue: 'other' });
    // The JobStore's transitions, as a worker would run them: no worker needed.
    const runningRecord = { ...(await client.getJob(running!)), state: 'running' as const, pid: 4242, pgid: 4242, host: 'h', workerId: 'w-alive', attempt: 1, startedAt: new Date().toISOString() };
    await markStarted(io, keys, runningRecord, '{}');
    await writeSampleNow(io, keys, running!, { cpuPercent: 0, rssBytes: 1000, processCount: 1, peakRssBytes: 1000, cpuSeconds: 0 });
    await finishJob(io, keys, { ...(await client.getJob(timedOut!)), state: 'timed-out', finishedAt: new Date().toISOString() });
    await finishJob(io, keys, { ...(await client.getJob(failing!)), state: 'failed', exitCode: 3, finishedAt: new Date().toISOString() });
    const now = Date.now();
    const beat = (id: string, lastSeenAt: number): string =>
      JSON.stringify({ id, host: 'h', pid: 1, queue: 'commands', concurrency: 2, running: 0, startedAt: now - 10_000, lastSeenAt, intervalMs: 1000 });
    await io.hset(keys.workers, 'w-alive', beat('w-alive', now), 'w-dead', beat('w-dead', now - 60_000), 'w-gone', beat('w-gone', now - 2 * 3600_000));
    await io.set(keys.worker('w-alive'), '1');

    const lite = await readStatus({ redisUrl: inject('redisUrl'), prefix });
    expect(lite.counts).toMatchObject({ running: 1, queued: 2, failed: 1, 'timed-out': 1 });
    expect(lite.running.map((r) => [r.id, r.pid])).toEqual([[running, 4242]]);
    expect(lite.workers.map((w) => [w.id, w.alive, w.running])).toEqual([
      ['w-alive', true, 1],
      ['w-dead', false, 0],
    ]);
    expect(lite.recentFailures.map((r) => [r.id, r.exitCode])).toEqual([[failing, 3], [timedOut, null]]);
    expect(await io.hexists(keys.workers, 'w-gone')).toBe(0); // forgotten, an hour after its last beat
    expect(lite).toEqual(await client.status());
  });

  it('an unused prefix reads as nothing at all; an unreachable Redis is E_REDIS_UNREACHABLE', async () => {
    const empty = await readStatus({ redisUrl: inject('redisUrl'), prefix: uniqueName('empty') });
    expect(empty).toEqual({ counts: expect.objectContaining({ queued: 0, running: 0 }) as unknown, workers: [], running: [], recentFailures: [], webhooks: [], hostQueues: [] });
    await expect(readStatus({ redisUrl: 'redis://127.0.0.1:1', connectTimeoutMs: 500 })).rejects.toMatchObject({ code: 'E_REDIS_UNREACHABLE' });
  });
});
