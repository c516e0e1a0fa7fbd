import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { writeSample, type ResourceSample } from '@kingly/cmd';
import { allocSteps, tempDir, waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';

const MiB = 1024 * 1024;
const sample = { cpuPercent: 1, rssBytes: MiB, processCount: 1, peakRssBytes: MiB, cpuSeconds: 0 };

// A job's resource history (store/samples.ts) as a real worker writes it: it grows while the job
// runs, stays within the cap however long the job runs, and leaves Redis with the record.
describe('sample history', () => {
  let h: Harness;
  let io: Redis;
  const dirs: Array<{ path: string; remove: () => void }> = [];
  const makeDir = (label: string): string => {
    const dir = tempDir(label);
    dirs.push(dir);
    return dir.path;
  };
  beforeAll(async () => {
    h = createHarness('samples');
    io = new Redis(h.redisUrl, { maxRetriesPerRequest: null });
    await h.startWorker({ sampleIntervalMs: 100, maxSamplesPerJob: 10 });
  });
  afterAll(async () => {
    await h.close();
    await io.quit();
    for (const dir of dirs) dir.remove();
  });

  /** Waits until the job's history satisfies `ok`, and returns it. */
  const historyWhere = (id: string, ok: (s: ResourceSample[]) => boolean, what: string): Promise<ResourceSample[]> =>
    waitFor(async () => {
      const samples = await h.client.getSamples(id);
      return ok(samples) ? samples : undefined;
    }, { timeoutMs: 20_000, message: `job ${id}'s sample history to show ${what}` });

  it('grows while a job runs, following its memory as it allocates in steps, and keeps it once the job ended', async () => {
    const job = allocSteps(h.client, makeDir('alloc-steps'), 40);
    const { id } = await h.client.enqueue({ command: job.command });
    const first = await job.step(id, 1);
    const newestThen = (await h.client.getSamples(id)).at(-1)!.t;
    const second = await job.step(id, 2);
    expect(second - first).toBeGreaterThan(30 * MiB);
    expect((await h.client.getSamples(id)).at(-1)!.t).toBeGreaterThan(newestThen);
    job.stop();
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record.state).toBe('succeeded');
    const kept = await h.client.getSamples(id);
    // Times ascend; every point is a measured tree (at least the node process).
    for (let i = 1; i < kept.length; i++) expect(kept[i]!.t).toBeGreaterThan(kept[i - 1]!.t);
    for (const p of kept) expect(p.processCount).toBeGreaterThanOrEqual(1);
    expect(Math.max(...kept.map((p) => p.rssBytes))).toBeLessThanOrEqual(record.peakRssBytes!);
    expect(Math.max(...kept.map((p) => p.rssBytes))).toBeGreaterThanOrEqual(second);
  });

  it('keeps a long job to the cap, the whole run at a coarser grain', async () => {
    const job = allocSteps(h.client, makeDir('long-job'), 1);
    const { id } = await h.client.enqueue({ command: job.command });
    const started = Date.parse((await waitFor(async () => {
      const r = await h.client.getJob(id);
      return r.startedAt ? r : undefined;
    }, { timeoutMs: 20_000, message: 'the job to start' })).startedAt!);
    // Weight 4 on the oldest entry: at least 40 samples went into at most 10 points.
    let longest = 0;
    await waitFor(async () => {
      const raw = await io.lrange(`${h.prefix}:samples:${id}`, 0, -1);
      longest = Math.max(longest, raw.length);
      return raw.length > 0 && Number(raw[0]!.split(',')[4]) >= 4;
    }, { timeoutMs: 60_000, message: 'the history to be downsampled twice (oldest entry standing for 4 samples)' });
    const kept = await h.client.getSamples(id);
    expect(longest).toBeLessThanOrEqual(10);
    expect(kept.length).toBeLessThanOrEqual(10);
    // The oldest point is still the run's start: downsampling merged, it did not drop.
    expect(kept[0]!.t - started).toBeLessThan(5_000);
    job.stop();
    expect((await h.client.waitForJob(id, { timeoutMs: 20_000 })).state).toBe('succeeded');
  });

  it('expires with the record at the same moment; a sample arriving after the end writes nothing', async () => {
    const job = allocSteps(h.client, makeDir('expiry'), 1);
    const { id } = await h.client.enqueue({ command: job.command });
    await job.step(id, 1);
    job.stop();
    await h.client.waitForJob(id, { timeoutMs: 20_000 });
    const keys = h.client.keys;
    const [recordAt, samplesAt] = await Promise.all([io.call('PEXPIRETIME', keys.job(id)), io.call('PEXPIRETIME', keys.samples(id))]);
    expect(Number(recordAt)).toBeGreaterThan(Date.now());
    expect(samplesAt).toBe(recordAt);

    // A late write (the sampler's tick racing the finish) neither recreates the history without
    // a TTL nor changes the record's final figures.
    await io.del(keys.samples(id));
    const before = await io.hgetall(keys.job(id));
    const pipeline = io.pipeline();
    writeSample(pipeline, keys, id, { ...sample, rssBytes: 1 });
    await pipeline.exec();
    expect(await io.exists(keys.samples(id))).toBe(0);
    expect(await io.hgetall(keys.job(id))).toEqual(before);

    // Once the record is gone, the history is refused too.
    await io.del(keys.job(id));
    const again = io.pipeline();
    writeSample(again, keys, id, sample);
    await again.exec();
    expect(await io.exists(keys.samples(id), keys.job(id))).toBe(0);
    await expect(h.client.getSamples(id)).rejects.toMatchObject({ code: 'E_JOB_NOT_FOUND' });
  });

  it('starts a new history for a new attempt (the first attempt\'s points are dropped when it is taken again)', async () => {
    const first = allocSteps(h.client, makeDir('attempt-1'), 1);
    const second = allocSteps(h.client, makeDir('attempt-2'), 1);
    const marker = join(makeDir('attempt-marker'), 'ran');
    const command = `if [ -e ${marker} ]; then ${second.command}; else touch ${marker}; ${first.command}; exit 3; fi`;
    const { id } = await h.client.enqueue({ command, attempts: 2, backoff: { type: 'fixed', delayMs: 100 } });
    await first.step(id, 1);
    const firstPoints = await h.client.getSamples(id);
    first.stop();
    // The log is shared by the attempts: wait for the second one's process before its step.
    const retried = await waitFor(async () => {
      const r = await h.client.getJob(id);
      return r.attempt === 2 && r.state === 'running' && r.pid !== null ? r : undefined;
    }, { timeoutMs: 20_000, message: 'the second attempt to run' });
    await second.step(id, 1);
    const points = await h.client.getSamples(id);
    // Every point is of the second attempt: none from before it started.
    expect(points[0]!.t).toBeGreaterThanOrEqual(Date.parse(retried.startedAt!) - 1000);
    expect(points[0]!.t).toBeGreaterThan(firstPoints.at(-1)!.t);
    second.stop();
    expect((await h.client.waitForJob(id, { timeoutMs: 20_000 })).state).toBe('succeeded');
  });
});
