import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@kingly/testing';
import { KinglyClient } from '../client/kingly-client.js';
import type { JobRecord } from '../schemas/job-record.js';
import { finishJob } from './finish.js';
import { markStarted } from './run-transitions.js';

// A finished job's short log is written again at its size: a stream's first node is allocated at
// 4 KiB whatever it holds, which made an empty log most of a finished job's memory.

describe('finish compacts a short log', () => {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const client = new KinglyClient({ redisUrl: inject('redisUrl'), prefix: uniqueName('compact') });
  afterAll(async () => {
    await client.close();
    await redis.quit();
  });

  it('keeps every entry, the end and the TTL, in under 1 KiB', async () => {
    const [job] = await client.enqueueMany([{ command: 'echo a; echo b' }]);
    const id = typeof job === 'string' ? job : (job as { id: string }).id;
    const keys = client.keys;
    const record: JobRecord = { ...(await client.getJob(id)), state: 'running', host: 'h', workerId: 'w', attempt: 1 };
    await markStarted(redis, keys, record, '{}');
    for (const line of ['a', 'b']) await redis.xadd(keys.logs(id), '*', 's', 'o', 'l', line);
    const before = await redis.xrange(keys.logs(id), '-', '+');
    expect(Number(await redis.call('MEMORY', 'USAGE', keys.logs(id)))).toBeGreaterThan(4096);

    await finishJob(redis, keys, { ...record, state: 'succeeded', exitCode: 0, finishedAt: new Date().toISOString() });
    const after = await redis.xrange(keys.logs(id), '-', '+');
    expect(after.slice(0, -1)).toEqual(before);
    expect(after.at(-1)?.[1]).toEqual(['end', '1']);
    expect(Number(await redis.call('MEMORY', 'USAGE', keys.logs(id)))).toBeLessThan(1024);
    const [logTtl, recordTtl] = await Promise.all([redis.pttl(keys.logs(id)), redis.pttl(keys.job(id))]);
    expect(logTtl).toBeGreaterThan(0);
    expect(Math.abs(logTtl - recordTtl)).toBeLessThan(1000);
  });
});
