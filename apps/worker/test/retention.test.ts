import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';

// The retention policy as workers apply it: real workers run real `true` jobs, then prune the
// finished ones beyond maxJobs (kingly's record, log and index entries, and BullMQ's job).

const WEEK = 7 * 24 * 3600 * 1000;

describe('worker retention', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('prunes the finished jobs beyond maxJobs, BullMQ jobs with them; records expire after maxAge', async () => {
    h = createHarness('retention');
    const lines: string[] = [];
    await h.startWorker({ retention: { maxAgeMs: 3_600_000, maxJobs: 5 }, retentionIntervalMs: 200, log: (l) => lines.push(l) });
    const ids = (await h.client.enqueueMany(Array.from({ length: 12 }, (_, i) => ({ argv: ['true'], name: `r${i % 2}` })))).map((j) => j.id);
    await h.client.waitForJobs(ids, { timeoutMs: 60_000 });
    await waitFor(async () => (await h.client.status()).counts.succeeded === 5, { timeoutMs: 30_000, message: `the worker to prune down to 5 finished jobs (log: ${lines.join(' | ')})` });
    const left = (await h.client.listJobs()).map((r) => r.id);
    expect(left).toEqual(ids.slice(-5).reverse());
    const queue = await h.client.queue();
    expect(await queue.getCompletedCount()).toBe(5);
    // The worker's records expire after its maxAge (an hour here), not the default week.
    const ttl = await (await h.client.redis()).pttl(h.client.keys.job(left[0]!));
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(lines.filter((l) => l.includes('failed'))).toEqual([]);
  }, 120_000);

  it('two workers applying the policy at once prune each job once, without errors', async () => {
    h = createHarness('retention-two');
    const lines: string[] = [];
    const log = (l: string): number => lines.push(l);
    const policy = { retention: { maxAgeMs: WEEK, maxJobs: 3 }, retentionIntervalMs: 50, concurrency: 4 };
    await Promise.all([h.startWorker({ ...policy, log }), h.startWorker({ ...policy, log })]);
    const ids = (await h.client.enqueueMany(Array.from({ length: 20 }, () => ({ argv: ['true'] })))).map((j) => j.id);
    await h.client.waitForJobs(ids, { timeoutMs: 60_000 });
    await waitFor(async () => (await h.client.status()).counts.succeeded === 3, { timeoutMs: 30_000, message: `the workers to prune down to 3 finished jobs (log: ${lines.join(' | ')})` });
    // Every pass says what it pruned: together, exactly the 17 beyond the cap.
    const pruned = lines.map((l) => /retention pruned (\d+)/.exec(l)?.[1]).filter((n) => n !== undefined).reduce((sum, n) => sum + Number(n), 0);
    expect(pruned, lines.join("\n")).toBe(17);
    expect(lines.filter((l) => l.includes('failed'))).toEqual([]);
    expect(await h.client.listJobs()).toHaveLength(3);
  }, 120_000);
});
