import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@kingly/testing';
import { KinglyClient } from '../client/kingly-client.js';
import { JOB_STATES, type JobState } from '../job-states.js';
import type { KinglyKeys } from '../keys.js';
import type { JobRecord } from '../schemas/job-record.js';
import { finishJob } from './finish.js';
import { finishWorkerLost } from './finish-worker-lost.js';
import { markLostRetry, markRetrying } from './retry.js';
import { requestCancel } from './cancel-request.js';
import { recordFromData } from '../record-hash.js';
import { markStarted, markTaken } from './run-transitions.js';

// The JobStore's transitions against a real Redis, without a worker: each moves the job between
// the state indexes in the same script that writes the record, and the finish appends exactly one
// `finished` event whoever wins.

/** The states whose index holds `id` (exactly one when the store is right). */
async function indexedStates(redis: Redis, keys: KinglyKeys, id: string): Promise<JobState[]> {
  const pipeline = redis.pipeline();
  for (const s of JOB_STATES) pipeline.zscore(keys.stateIndex(s), id);
  const scores = (await pipeline.exec()) ?? [];
  return JOB_STATES.filter((_, i) => scores[i]?.[1] !== null);
}

async function finishedEvents(redis: Redis, keys: KinglyKeys, id: string): Promise<number> {
  const entries = await redis.xrange(keys.events, '-', '+');
  return entries.filter(([, f]) => f.includes('finished') && f[f.indexOf('job') + 1] === id).length;
}

describe('JobStore', () => {
  let client: KinglyClient;
  let redis: Redis;
  let keys: KinglyKeys;
  beforeAll(() => {
    client = new KinglyClient({ redisUrl: inject('redisUrl'), prefix: uniqueName('store') });
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    keys = client.keys;
  });
  afterAll(async () => {
    await client.close();
    await redis.quit();
  });

  const taken = (record: JobRecord, workerId = 'w1'): JobRecord => ({ ...record, state: 'running', host: 'h', workerId, attempt: 1, startedAt: new Date().toISOString() });
  const ended = (record: JobRecord, state: JobState, exitCode: number | null = null): JobRecord => ({ ...record, state, exitCode, finishedAt: new Date().toISOString() });

  it('enqueue makes a queued record on every index; taken, started and finished move it, one finished event', async () => {
    const { id } = await client.enqueue({ command: 'true', name: 'store-a', group: 'g-a' }, { queue: 'store-q' });
    const queued = await client.getJob(id);
    expect(queued).toMatchObject({ state: 'queued', queue: 'store-q', name: 'store-a', group: 'g-a' });
    expect(await indexedStates(redis, keys, id)).toEqual(['queued']);
    for (const key of [keys.jobsIndex, keys.queueIndex('store-q'), keys.nameIndex('store-a'), keys.groupIndex('g-a')]) {
      expect(Number(await redis.zscore(key, id)), key).toBe(Date.parse(queued.createdAt!));
    }

    await markTaken(redis, keys, { command: 'true', name: 'store-a', group: 'g-a', createdAt: Date.parse(queued.createdAt!) }, taken(queued), '{}');
    expect(await indexedStates(redis, keys, id)).toEqual(['running']);
    await markStarted(redis, keys, { ...taken(queued), pid: 42, pgid: 42 }, '{}');
    expect(await indexedStates(redis, keys, id)).toEqual(['running']);

    expect(await finishJob(redis, keys, ended(taken(queued), 'succeeded', 0))).toBe(true);
    expect(await finishJob(redis, keys, ended(taken(queued), 'failed', 1))).toBe(false);
    expect(await indexedStates(redis, keys, id)).toEqual(['succeeded']);
    expect((await client.getJob(id)).state).toBe('succeeded');
    expect(await finishedEvents(redis, keys, id)).toBe(1);
    // The finish records when the record expires, the same moment as its TTL.
    const [expiry, pttl] = await Promise.all([redis.zscore(keys.expiries, id), redis.pttl(keys.job(id))]);
    expect(Math.abs(Number(expiry) - (Date.now() + pttl))).toBeLessThan(1000);
  });

  it('a cancel of a queued job ends it cancelled: listed by state, counted by status', async () => {
    const ids = (await client.enqueueMany([{ command: 'a' }, { command: 'b' }], { queue: 'nobody-takes-store' })).map((j) => j.id);
    for (const id of ids) expect((await client.cancel(id)).action).toBe('removed');
    for (const id of ids) expect(await indexedStates(redis, keys, id)).toEqual(['cancelled']);
    expect((await client.listJobs({ state: 'cancelled' })).map((r) => r.id)).toEqual([...ids].reverse());
    expect((await client.status()).counts.cancelled).toBe(ids.length);
    for (const id of ids) expect(await finishedEvents(redis, keys, id)).toBe(1);
  });

  it('a reaped job ends worker-lost, or goes back to queued while attempts remain (only from its own worker)', async () => {
    const [lost, retried] = (await client.enqueueMany([{ command: 'x' }, { command: 'y', attempts: 2 }], { queue: 'store-reap' })).map((j) => j.id);
    const lostRecord = taken(await client.getJob(lost!));
    await markStarted(redis, keys, lostRecord, '{}');
    expect(await finishWorkerLost(redis, keys, lostRecord, 'worker w1 stopped sending heartbeats')).toBe(true);
    expect(await indexedStates(redis, keys, lost!)).toEqual(['worker-lost']);
    expect(await finishedEvents(redis, keys, lost!)).toBe(1);

    const retriedRecord = taken(await client.getJob(retried!));
    await markStarted(redis, keys, retriedRecord, '{}');
    expect(await markLostRetry(redis, keys, retriedRecord, 'another-worker', 'lost')).toBe(false);
    expect(await indexedStates(redis, keys, retried!)).toEqual(['running']);
    expect(await markLostRetry(redis, keys, retriedRecord, 'w1', 'lost')).toBe(true);
    expect(await indexedStates(redis, keys, retried!)).toEqual(['queued']);
    expect(await redis.zscore(keys.lostRetries, retried!)).not.toBeNull();
  });

  it('cancel racing finish (many times over): one terminal state, on one index, one finished event', async () => {
    const ids = (await client.enqueueMany(Array.from({ length: 50 }, (_, i) => ({ command: `race ${i}` })), { queue: 'store-race' })).map((j) => j.id);
    const records = await Promise.all(ids.map(async (id) => taken(await client.getJob(id))));
    for (const r of records) await markStarted(redis, keys, r, '{}');
    // Two connections, so the two finishes of each job really interleave in Redis.
    const other = redis.duplicate();
    try {
      const results = await Promise.all(records.map((r) => Promise.all([finishJob(redis, keys, ended(r, 'succeeded', 0)), finishJob(other, keys, ended(r, 'cancelled'))])));
      for (const [i, [a, b]] of results.entries()) {
        expect(a !== b, `exactly one finish of ${ids[i]} wins`).toBe(true);
        const state = (await client.getJob(ids[i]!)).state;
        expect(state).toBe(a ? 'succeeded' : 'cancelled');
        expect(await indexedStates(redis, keys, ids[i]!)).toEqual([state]);
        expect(await finishedEvents(redis, keys, ids[i]!)).toBe(1);
      }
    } finally {
      other.disconnect();
    }
  });

  it('reap vs finish and retry vs cancel race: one terminal state, one index, one finished event', async () => {
    const ids = (await client.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ command: `race2 ${i}`, attempts: 2 })), { queue: 'store-race2' })).map((j) => j.id);
    const other = redis.duplicate();
    try {
      for (const [i, id] of ids.entries()) {
        const record = taken(await client.getJob(id));
        await markStarted(redis, keys, record, '{}');
        if (i % 2 === 0) {
          await Promise.all([finishWorkerLost(redis, keys, record, 'lost'), finishJob(other, keys, ended(record, 'failed', 1))]);
        } else {
          // The retry first leaves the job queued, and the cancel ends it; the cancel first wins and the retry does nothing.
          const [retried] = await Promise.all([markRetrying(redis, keys, record, 'retrying in 1s'), finishJob(other, keys, ended(record, 'cancelled'))]);
          expect(retried === false || (await client.getJob(id)).state === 'cancelled').toBe(true);
        }
        const state = (await client.getJob(id)).state;
        expect(i % 2 === 0 ? ['worker-lost', 'failed'] : ['cancelled']).toContain(state);
        expect(await indexedStates(redis, keys, id)).toEqual([state]);
        expect(await finishedEvents(redis, keys, id)).toBe(1);
      }
    } finally {
      other.disconnect();
    }
  });

  it('a cancel that came first is answered by the taken and started scripts; started never revives an ended job', async () => {
    const [first, late] = (await client.enqueueMany([{ command: 'c1' }, { command: 'c2' }], { queue: 'store-cancel' })).map((j) => j.id);
    await requestCancel(redis, keys, first!, 'SIGINT');
    const record = taken(await client.getJob(first!));
    expect(await markTaken(redis, keys, { command: 'c1', createdAt: Date.parse(record.createdAt!) }, record, '{}')).toBe('SIGINT');
    expect(await markStarted(redis, keys, record, '{}')).toBe('SIGINT');

    const lateRecord = taken(await client.getJob(late!));
    await finishJob(redis, keys, ended(lateRecord, 'cancelled'));
    await markStarted(redis, keys, lateRecord, '{}');
    expect((await client.getJob(late!)).state).toBe('cancelled');
    expect(await indexedStates(redis, keys, late!)).toEqual(['cancelled']);
  });

  it('a job added by plain BullMQ gets its record and index entries when a worker takes it', async () => {
    const record: JobRecord = { ...recordFromData('plain-7', 'store-plain', { command: 'p', name: 'plainly', createdAt: 1234 }, 'running'), host: 'h', workerId: 'w', attempt: 1 };
    await markTaken(redis, keys, { command: 'p', name: 'plainly', createdAt: 1234 }, record, '{}');
    expect(await indexedStates(redis, keys, 'plain-7')).toEqual(['running']);
    for (const key of [keys.jobsIndex, keys.queueIndex('store-plain'), keys.nameIndex('plainly')]) expect(await redis.zscore(key, 'plain-7'), key).toBe('1234');
    expect((await client.listJobs({ queue: 'store-plain' })).map((r) => [r.id, r.state])).toEqual([['plain-7', 'running']]);
  });

  it('an expired record leaves the indexes: not listed, not counted', async () => {
    const [gone, kept] = (await client.enqueueMany([{ command: 'gone', name: 'store-exp' }, { command: 'kept', name: 'store-exp' }], { queue: 'store-exp' })).map((j) => j.id);
    for (const id of [gone!, kept!]) await finishJob(redis, keys, ended(taken(await client.getJob(id)), 'failed', 1));
    const before = (await client.status()).counts.failed;
    // As if its 7 days had passed: the record expires now, and `expiries` says so.
    await redis.del(keys.job(gone!));
    await redis.zadd(keys.expiries, Date.now() - 1, gone!);
    expect((await client.status()).counts.failed).toBe(before - 1);
    expect(await indexedStates(redis, keys, gone!)).toEqual([]);
    expect((await client.listJobs({ name: 'store-exp' })).map((r) => r.id)).toEqual([kept]);
    expect(await redis.zscore(keys.nameIndex('store-exp'), gone!)).toBeNull();
  });
});

describe('listJobs over the indexes', () => {
  let client: KinglyClient;
  let redis: Redis;
  beforeAll(() => {
    client = new KinglyClient({ redisUrl: inject('redisUrl'), prefix: uniqueName('listing') });
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await client.close();
    await redis.quit();
  });

  it('2,000 jobs across states: newest first, no duplicates, pages by --limit and before stitch back into the whole', async () => {
    const ids: string[] = [];
    // Several enqueues, so creation times differ between batches and tie within one.
    for (let batch = 0; batch < 8; batch++) {
      ids.push(...((await client.enqueueMany(Array.from({ length: 250 }, (_, i) => ({ command: `job ${batch}-${i}`, name: `n${i % 3}` })), { queue: i2q(batch) })).map((j) => j.id)));
    }
    const keys = client.keys;
    // A third running, a third ended in various states, the rest queued.
    const states: JobState[] = ['succeeded', 'failed', 'cancelled', 'timed-out'];
    for (const [i, id] of ids.entries()) {
      if (i % 3 === 0) continue;
      const record = { ...(await client.getJob(id)), state: 'running' as const, host: 'h', workerId: 'w', attempt: 1 };
      await markStarted(redis, keys, record, '{}');
      if (i % 3 === 2) await finishJob(redis, keys, { ...record, state: states[i % 4]!, finishedAt: new Date().toISOString() });
    }
    const newestFirst = [...ids].reverse();

    const all = await client.listJobs({ limit: 5000 });
    expect(all.map((r) => r.id)).toEqual(newestFirst);

    const stitched: string[] = [];
    for (let before: string | undefined; ; ) {
      const page = await client.listJobs({ limit: 137, before });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(137);
      stitched.push(...page.map((r) => r.id));
      before = page.at(-1)!.id;
    }
    expect(stitched).toEqual(newestFirst);

    for (const state of ['queued', 'running', 'failed'] as const) {
      const expected = all.filter((r) => r.state === state).map((r) => r.id);
      expect((await client.listJobs({ state, limit: 5000 })).map((r) => r.id), state).toEqual(expected);
      expect((await client.status()).counts[state], state).toBe(expected.length);
    }
    // Two filters: the smaller index is read, the other checked on the records.
    const both = all.filter((r) => r.state === 'running' && r.name === 'n1').map((r) => r.id);
    expect((await client.listJobs({ state: 'running', name: 'n1', limit: 5000 })).map((r) => r.id)).toEqual(both);
    expect((await client.listJobs({ state: 'running', name: 'n1', limit: 10 })).map((r) => r.id)).toEqual(both.slice(0, 10));
    expect((await client.listJobs({ queue: 'list-1', limit: 5000 })).map((r) => r.id)).toEqual(all.filter((r) => r.queue === 'list-1').map((r) => r.id));
  });
});

const i2q = (batch: number): string => `list-${batch % 2}`;
