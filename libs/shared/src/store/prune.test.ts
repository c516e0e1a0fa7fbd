import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@kingly/testing';
import { KinglyClient } from '../client/kingly-client.js';
import { JOB_STATES, type JobState } from '../job-states.js';
import { jobKeys, type KinglyKeys } from '../keys.js';
import type { JobRecord } from '../schemas/job-record.js';
import { finishJob } from './finish.js';
import { markStarted } from './run-transitions.js';
import { deletePruned, readPruneBatch } from './prune-batch.js';

// Prune against a real Redis, without a worker: jobs are moved by the JobStore's own transitions
// (finished at chosen moments), then pruned by age, state, per-name floor and overall cap. After
// each prune the indexes, counts and keys must agree with what is left.

const DAY = 24 * 3600 * 1000;

describe('prune', () => {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const clients: KinglyClient[] = [];
  let client: KinglyClient;
  let keys: KinglyKeys;
  beforeEach(() => {
    client = new KinglyClient({ redisUrl: inject('redisUrl'), prefix: uniqueName('prune') });
    clients.push(client);
    keys = client.keys;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await redis.quit();
  });

  /**
   * Enqueues `count` jobs named `name`, then runs them to `state` as if they were created a minute
   * before `agoMs` ago and finished then (queued/running stay so; a running one is dated too).
   */
  async function jobs(count: number, name: string, state: JobState, agoMs = 0, group?: string): Promise<string[]> {
    const ids = (await client.enqueueMany(Array.from({ length: count }, (_, i) => ({ command: `echo ${name} ${i}`, name, ...(group ? { group } : {}) })))).map((j) => j.id);
    if (state === 'queued') return ids;
    for (const id of ids) {
      // The start writes createdAt and puts the job on every index by it.
      const createdAt = new Date(Date.now() - agoMs - 60_000).toISOString();
      const record: JobRecord = { ...(await client.getJob(id)), createdAt, state: 'running', host: 'h', workerId: 'w', attempt: 1 };
      await markStarted(redis, keys, record, '{}');
      await redis.xadd(keys.logs(id), '*', 's', 'o', 'l', 'a line');
      if (state !== 'running') await finishJob(redis, keys, { ...record, state, exitCode: state === 'succeeded' ? 0 : 1, finishedAt: new Date(Date.now() - agoMs).toISOString() });
    }
    return ids;
  }

  /** Every index and key agrees: each id is on the all-jobs index iff its record exists, counts are the state indexes' sizes. */
  async function expectConsistent(alive: readonly string[], gone: readonly string[]): Promise<void> {
    const status = await client.status();
    const listed = await client.listJobs({ limit: 100_000 });
    expect(new Set(listed.map((r) => r.id))).toEqual(new Set(alive));
    for (const state of JOB_STATES) expect(status.counts[state] ?? 0, `count of ${state}`).toBe(listed.filter((r) => r.state === state).length);
    for (const id of gone) {
      for (const key of jobKeys(keys, id)) expect(await redis.exists(key), key).toBe(0);
      expect(await redis.zscore(keys.jobsIndex, id)).toBeNull();
      expect(await redis.zscore(keys.expiries, id)).toBeNull();
    }
    // Every index holds only ids whose record exists.
    const indexes = await redis.keys(`${keys.jobsIndex}*`);
    for (const index of indexes) {
      for (const id of await redis.zrange(index, 0, -1)) expect(alive, `${index} holds ${id}`).toContain(id);
    }
  }

  it('by age and state: only finished jobs older than the cutoff and in the state go, with their logs and index entries', async () => {
    const oldOk = await jobs(3, 'build', 'succeeded', 10 * DAY, 'g-old');
    const oldFailed = await jobs(2, 'test', 'failed', 10 * DAY);
    const newOk = await jobs(2, 'build', 'succeeded', 1000);
    const running = await jobs(1, 'build', 'running', 10 * DAY);
    const queued = await jobs(2, 'test', 'queued');

    const dry = await client.prune({ olderThanMs: 7 * DAY, states: ['failed'], dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, pruned: 2, byState: { failed: 2 }, bullRemoved: 0 });
    for (const id of oldFailed) expect(await redis.exists(keys.job(id))).toBe(1);

    const byState = await client.prune({ olderThanMs: 7 * DAY, states: ['failed'] });
    expect(byState).toMatchObject({ dryRun: false, pruned: 2, byState: { failed: 2 } });
    // BullMQ's part goes through Queue.remove (these jobs were never taken, so BullMQ still had them).
    expect(byState.bullRemoved).toBe(2);
    const queue = await client.queue();
    for (const id of oldFailed) expect(await queue.getJob(id)).toBeUndefined();
    await expectConsistent([...oldOk, ...newOk, ...running, ...queued], oldFailed);

    const byAge = await client.prune({ olderThanMs: 7 * DAY });
    expect(byAge).toMatchObject({ pruned: 3, byState: { succeeded: 3 } });
    expect(await redis.exists(keys.groupIndex('g-old'))).toBe(0);
    await expectConsistent([...newOk, ...running, ...queued], [...oldFailed, ...oldOk]);

    // Nothing left to prune by age: the new, running and queued ones stay.
    expect((await client.prune({ olderThanMs: 7 * DAY })).pruned).toBe(0);
  });

  it('keep-last per name keeps the newest N finished jobs of each name (running and queued ones never count or go)', async () => {
    const byName = new Map<string, string[]>();
    for (const name of ['lint', 'test', 'deploy']) byName.set(name, await jobs(5, name, 'succeeded', DAY));
    const others = [...(await jobs(1, 'lint', 'running')), ...(await jobs(1, 'test', 'queued')), ...(await jobs(1, 'solo', 'failed'))];

    const dry = await client.prune({ keepLast: 2, dryRun: true });
    expect(dry.pruned).toBe(9);
    const result = await client.prune({ keepLast: 2 });
    expect(result).toMatchObject({ pruned: 9, byState: { succeeded: 9 } });
    const kept = [...byName.values()].flatMap((ids) => ids.slice(-2));
    const gone = [...byName.values()].flatMap((ids) => ids.slice(0, -2));
    await expectConsistent([...kept, ...others], gone);
    for (const [name, ids] of byName) {
      expect((await client.listJobs({ name, state: 'succeeded' })).map((r) => r.id), name).toEqual(ids.slice(-2).reverse());
    }
    // With an age too: the kept ones are a day old, so a week's cutoff prunes none of them.
    expect((await client.prune({ keepLast: 1, olderThanMs: 7 * DAY })).pruned).toBe(0);
  });

  it('maxJobs keeps the newest N finished jobs in all; several names and states count together', async () => {
    const old = [...(await jobs(6, 'a', 'succeeded')), ...(await jobs(6, 'b', 'failed'))];
    const newest = [...(await jobs(4, 'c', 'cancelled')), ...(await jobs(1, 'a', 'timed-out'))];
    const running = await jobs(2, 'a', 'running');
    expect((await client.prune({ maxJobs: 5, dryRun: true })).pruned).toBe(12);
    expect((await client.prune({ maxJobs: 5 })).pruned).toBe(12);
    await expectConsistent([...newest, ...running], old);
    expect((await client.prune({ maxJobs: 5 })).pruned).toBe(0);
  });

  it('never prunes a queued or running job: unfinished states are refused, and a stale index entry or a job live again is left', async () => {
    for (const state of ['running', 'queued'] as const) {
      await expect(client.prune({ states: [state] })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(new RegExp(`'${state}' is not a finished state`)) });
    }
    await expect(client.prune({ states: ['nope' as JobState] })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(client.prune({ keepLast: -1 })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(/keepLast/) });

    const [running] = await jobs(1, 'r', 'running');
    // An index that says succeeded for a running job (it must never happen; prune reads the record).
    await redis.zadd(keys.stateIndex('succeeded'), 1, running!);
    expect((await client.prune({ states: ['succeeded'] })).pruned).toBe(0);
    expect((await client.getJob(running!)).state).toBe('running');

    // Read as finished, then live again before the delete (a plain BullMQ id reused): left alone.
    const [done] = await jobs(1, 'r', 'succeeded');
    const read = await readPruneBatch(redis, keys, keys.stateIndex('succeeded'), '', 10, 'asc', Infinity);
    const row = !read.lost ? read.rows.find((r) => r.id === done) : undefined;
    expect(row?.state).toBe('succeeded');
    await redis.hset(keys.job(done!), 'state', 'running');
    expect((await deletePruned(redis, keys, [{ job: row!, reason: 'select' }])).deleted).toEqual([]);
    expect(await redis.exists(keys.job(done!))).toBe(1);
  });

  it('2,000 jobs in batches of 100: two pruners at once delete each job once, never below the cap', async () => {
    const specs = Array.from({ length: 2000 }, (_, i) => ({ command: `c ${i}`, name: `n${i % 7}` }));
    const ids = (await client.enqueueMany(specs)).map((j) => j.id);
    // Finished by the store's own script, many at once.
    const records = await Promise.all(ids.map((id) => client.getJob(id)));
    await Promise.all(records.map(async (r, i) => {
      const running: JobRecord = { ...r, state: 'running', host: 'h', workerId: 'w', attempt: 1 };
      await markStarted(redis, keys, running, '{}');
      await finishJob(redis, keys, { ...running, state: i % 3 === 0 ? 'failed' : 'succeeded', finishedAt: new Date(Date.now() - DAY).toISOString() });
    }));
    // Dry runs read past their first batch (every id stays: each is looked at once). Cutoffs here are
    // now (olderThanMs 0): these jobs were created just now (their finishedAt is made up) and prune
    // skips jobs created after the cutoff, so a cutoff in the past would depend on the set-up's speed.
    expect(await client.prune({ olderThanMs: 0, batchSize: 100, dryRun: true })).toMatchObject({ pruned: 2000, examined: 2000 });
    expect(await client.prune({ keepLast: 10, batchSize: 100, dryRun: true })).toMatchObject({ pruned: 2000 - 7 * 10, examined: 2000 });
    expect(await client.prune({ maxJobs: 500, batchSize: 100, dryRun: true })).toMatchObject({ pruned: 1500, examined: 1500 });
    const other = new KinglyClient({ redisUrl: inject('redisUrl'), prefix: keys.prefix });
    clients.push(other);

    const [a, b] = await Promise.all([client.prune({ maxJobs: 500, batchSize: 100 }), other.prune({ maxJobs: 500, batchSize: 100 })]);
    expect(a.pruned + b.pruned).toBe(1500);
    expect((a.byState.failed ?? 0) + (b.byState.failed ?? 0) + (a.byState.succeeded ?? 0) + (b.byState.succeeded ?? 0)).toBe(1500);
    const status = await client.status();
    expect((status.counts.failed ?? 0) + (status.counts.succeeded ?? 0)).toBe(500);
    // The newest 500 are the ones left.
    expect(new Set((await client.listJobs({ limit: 5000 })).map((r) => r.id))).toEqual(new Set(ids.slice(-500)));

    const [c, d] = await Promise.all([client.prune({ olderThanMs: 0, batchSize: 100 }), other.prune({ olderThanMs: 0, batchSize: 100 })]);
    expect(c.pruned + d.pruned).toBe(500);
    expect(await redis.zcard(keys.jobsIndex)).toBe(0);
    expect(await redis.zcard(keys.expiries)).toBe(0);
  }, 120_000);
});
