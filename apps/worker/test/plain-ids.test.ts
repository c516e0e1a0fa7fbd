import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@kingly/testing';
import { createHarness, logLines, type Harness } from './harness.js';

// A plain BullMQ id is unique only on its queue: kingly keys such a job `<queue>:<id>`, so two
// queues' job "dup" keep their records, logs and events apart; kingly's own ids stay as they are.
describe('job ids from plain BullMQ on several queues', () => {
  let h: Harness;
  let redis: Redis;
  const queues = new Map<string, Queue>();
  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) queues.set(name, (q = new Queue(name, { connection: redis.duplicate(), prefix: h.prefix })));
    return q;
  };

  beforeAll(async () => {
    h = createHarness('plain-ids');
    redis = new Redis(h.redisUrl);
    await Promise.all([h.startWorker({ queue: 'alpha' }), h.startWorker({ queue: 'beta' })]);
  });
  afterAll(async () => {
    await Promise.all([...queues.values()].map((q) => q.close()));
    redis.disconnect();
    await h.close();
  });

  it('two queues with job id "dup": records, logs and events apart', async () => {
    await queue('alpha').add('a', { command: 'echo from alpha' }, { jobId: 'dup' });
    await queue('beta').add('b', { command: 'echo from beta; exit 4' }, { jobId: 'dup' });
    const [alpha, beta] = await h.client.waitForJobs(['alpha:dup', 'beta:dup'], { timeoutMs: 20_000 });
    expect(alpha).toMatchObject({ id: 'alpha:dup', queue: 'alpha', command: 'echo from alpha', state: 'succeeded', exitCode: 0 });
    expect(beta).toMatchObject({ id: 'beta:dup', queue: 'beta', command: 'echo from beta; exit 4', state: 'failed', exitCode: 4 });
    expect(await logLines(h.client, 'alpha:dup')).toEqual(['stdout:from alpha']);
    expect(await logLines(h.client, 'beta:dup')).toEqual(['stdout:from beta']);
    // Nothing was written under the bare id.
    expect(await redis.exists(h.client.keys.job('dup'), h.client.keys.logs('dup'))).toBe(0);
    const finished = (await redis.xrange(h.client.keys.events, '-', '+')).filter(([, f]) => f.includes('finished')).map(([, f]) => f[f.indexOf('job') + 1]);
    expect(finished.filter((id) => id?.endsWith('dup')).sort()).toEqual(['alpha:dup', 'beta:dup']);
    // Both queues are known now, so a bare id finds both and must say which.
    expect(await h.client.knownQueues()).toEqual(expect.arrayContaining(['alpha', 'beta']));
    await expect(h.client.getJob('dup')).rejects.toMatchObject({ code: 'E_AMBIGUOUS_JOB', message: expect.stringMatching(/alpha \(alpha:dup\).*beta \(beta:dup\)/) });
    expect(await h.client.getJob('dup', { queue: 'beta' })).toMatchObject({ id: 'beta:dup', exitCode: 4 });
    expect(await h.client.findJob('dup', { queue: 'gamma' })).toBeUndefined();
    // Listings and indexes carry the qualified ids.
    expect((await h.client.listJobs({ queue: 'alpha' })).map((r) => r.id)).toContain('alpha:dup');
  });

  it('a bare id found on one queue only is that job', async () => {
    await queue('alpha').add('a', { command: 'echo only here' }, { jobId: 'single' });
    const record = await h.client.waitForJob('single', { timeoutMs: 20_000 });
    expect(record).toMatchObject({ id: 'alpha:single', state: 'succeeded' });
    expect((await h.client.getJob('single')).id).toBe('alpha:single');
  });

  it("kingly's own ids are not qualified", async () => {
    const { id } = await h.client.enqueue({ command: 'echo own' }, { queue: 'beta' });
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record).toMatchObject({ id, queue: 'beta', state: 'succeeded' });
    expect(await redis.exists(h.client.keys.job(`beta:${id}`))).toBe(0);
  });

  it('a wait that starts before any worker took the job ends with its record', async () => {
    await queue('delta').add('d', { command: 'echo late' }, { jobId: 'early' });
    // No worker has served queue delta, so it is not a known queue: the bare id is unknown, the
    // qualified one names the queue to ask.
    await expect(h.client.waitForJob('early', { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'E_JOB_NOT_FOUND' });
    const waiting = h.client.waitForJob('delta:early', { timeoutMs: 30_000 });
    let settled = false;
    void waiting.then(() => (settled = true), () => (settled = true));
    // No worker takes queue delta yet: the wait is pending on BullMQ's word that the job is queued.
    await waitFor(async () => (await queue('delta').getJobState('early')) === 'waiting', { message: 'job early to be waiting on queue delta' });
    expect(settled).toBe(false);
    await h.startWorker({ queue: 'delta' });
    expect(await waiting).toMatchObject({ id: 'delta:early', state: 'succeeded' });
    // A worker's queue is known from its start: the bare id is found now.
    expect((await h.client.getJob('early')).id).toBe('delta:early');
  });

  it('an id nobody has is E_JOB_NOT_FOUND for a wait, not a wait forever', async () => {
    await expect(h.client.waitForJob('nobody-has-this', { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'E_JOB_NOT_FOUND' });
  });
});
