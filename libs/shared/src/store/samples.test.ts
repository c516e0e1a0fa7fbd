import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@kingly/testing';
import { createKeys } from '../keys.js';
import { DEFAULT_MAX_SAMPLES, readSamples, writeSample } from './samples.js';

// The history's downsampling, against a real Redis: a job sampled every second for 2 h 20 min.
describe('sample history downsampling', () => {
  const keys = createKeys(uniqueName('samples'));
  let io: Redis;
  beforeAll(() => {
    io = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  });
  afterAll(async () => io.quit());

  it('keeps 8,400 samples in at most 1,000 points and a few tens of KB, with the mean CPU, the peak RSS and the whole span', async () => {
    const id = 'long';
    await io.hset(keys.job(id), 'state', 'running');
    const start = 1_700_000_000_000;
    const n = 8400;
    let cpuSum = 0;
    for (let from = 0; from < n; from += 500) {
      const pipeline = io.pipeline();
      for (let i = from; i < Math.min(n, from + 500); i++) {
        const cpuPercent = i % 2 === 0 ? 100 : 0;
        cpuSum += cpuPercent;
        // Memory grows by 1 KiB a sample, with one spike that a maximum must keep.
        const rssBytes = i === 4321 ? 2 ** 33 : 50 * 2 ** 20 + i * 1024;
        writeSample(pipeline, keys, id, { cpuPercent, rssBytes, processCount: 1 + (i % 3), peakRssBytes: rssBytes, cpuSeconds: i }, { t: start + i * 1000 });
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) expect(error).toBeNull();
    }
    const points = await readSamples(io, keys, id);
    expect(points.length).toBeLessThanOrEqual(DEFAULT_MAX_SAMPLES);
    expect(points.length).toBeGreaterThan(DEFAULT_MAX_SAMPLES / 4);
    expect(Number(await io.call('MEMORY', 'USAGE', keys.samples(id)))).toBeLessThan(64 * 1024);
    expect(points[0]!.t).toBe(start);
    expect(points.at(-1)!.t).toBeGreaterThan(start + (n - 20) * 1000);
    for (let i = 1; i < points.length; i++) expect(points[i]!.t).toBeGreaterThan(points[i - 1]!.t);
    expect(Math.max(...points.map((p) => p.rssBytes))).toBe(2 ** 33);
    expect(Math.max(...points.map((p) => p.processCount))).toBe(3);
    // Each point's CPU is the mean of the samples it stands for (weights from the raw entries).
    const raw = await io.lrange(keys.samples(id), 0, -1);
    const weights = raw.map((e) => Number(e.split(',')[4]));
    expect(weights.reduce((a, b) => a + b, 0)).toBe(n);
    const weightedCpu = points.reduce((sum, p, i) => sum + p.cpuPercent * weights[i]!, 0);
    expect(weightedCpu / n).toBeCloseTo(cpuSum / n, 0);
    // The record holds the latest figures.
    expect(await io.hget(keys.job(id), 'cpuSeconds')).toBe(String(n - 1));
  });

  it('writes nothing for a record that ended or does not exist, and reads [] for a job with no history', async () => {
    await io.hset(keys.job('done'), 'state', 'succeeded', 'rssBytes', '5');
    const pipeline = io.pipeline();
    const sample = { cpuPercent: 1, rssBytes: 9, processCount: 1, peakRssBytes: 9, cpuSeconds: 1 };
    writeSample(pipeline, keys, 'done', sample);
    writeSample(pipeline, keys, 'absent', sample);
    await pipeline.exec();
    expect(await io.exists(keys.samples('done'), keys.samples('absent'), keys.job('absent'))).toBe(0);
    expect(await io.hget(keys.job('done'), 'rssBytes')).toBe('5');
    expect(await readSamples(io, keys, 'done')).toEqual([]);
  });
});
