import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { KinglyClient, type JobRecord, type KinglyError } from '@kingly/cmd';
import { uniqueName, waitFor } from '@kingly/testing';
import { createHarness } from './harness.js';

// Waits on one client share one reader of the events stream: the connections a client holds stay
// bounded whatever the number of waits, and a wait that ends early or a job that ends while waits
// register changes nothing for the others.
describe('waits share one events reader per client', () => {
  const h = createHarness('shared-waits');
  const admin = new Redis(h.redisUrl, { maxRetriesPerRequest: null });
  const clients: KinglyClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await h.close();
    await admin.quit();
  });

  /** A client on the harness's prefix whose every connection (blocking ones included) CLIENT LIST shows under `name`. */
  async function namedClient(): Promise<{ client: KinglyClient; name: string }> {
    const name = uniqueName('waits');
    const client = new KinglyClient({ redisUrl: h.redisUrl, prefix: h.prefix });
    clients.push(client);
    const redis = await client.redis();
    await redis.client('SETNAME', name);
    // Blocking connections are duplicates of this one: they take its options, name included.
    redis.options.connectionName = name;
    return { client, name };
  }

  async function connections(name: string): Promise<Array<{ cmd: string; id: string }>> {
    const list = (await admin.client('LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => ({ cmd: /\bcmd=(\S+)/.exec(line)?.[1] ?? '', id: /\bid=(\d+)/.exec(line)?.[1] ?? '' }));
  }

  it('1,000 waits, a follower and onComplete on one client read through one blocking connection; every wait gets its record', async () => {
    const { client, name } = await namedClient();
    const ids = (await client.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ argv: ['true', String(i)] })))).map((j) => j.id);
    const completed = new Set<string>();
    const off = client.onComplete((record) => completed.add(record.id));
    const follower = new AbortController();
    const followed = new Set<string>();
    const following = (async () => {
      for await (const event of client.events({ signal: follower.signal })) if (event.type === 'finished') followed.add(event.jobId);
    })();
    const waits = ids.map((id) => client.waitForJob(id, { timeoutMs: 60_000 }));
    // No worker yet: every wait is pending; the reader is in its XREAD.
    await waitFor(async () => (await connections(name)).some((c) => c.cmd === 'xread'), { message: 'the shared reader to block in XREAD' });
    const held = await connections(name);
    expect(held.length, JSON.stringify(held)).toBeLessThanOrEqual(3);
    expect(held.filter((c) => c.cmd === 'xread')).toHaveLength(1);

    await h.startWorker({ concurrency: 8 });
    const records = await Promise.all(waits);
    expect(records.map((r) => r.id)).toEqual(ids);
    expect(records.every((r) => r.state === 'succeeded')).toBe(true);
    await waitFor(() => ids.every((id) => completed.has(id) && followed.has(id)), { message: 'onComplete and the follower to see all 1,000 jobs' });
    off();
    follower.abort();
    await following;
    await waitFor(async () => !(await connections(name)).some((c) => c.cmd === 'xread'), { message: 'no blocking read once nobody waits' });
  }, 90_000);

  it('a wait that times out or is aborted leaves the others waiting, and the last one to leave stops the read', async () => {
    const { client, name } = await namedClient();
    // A queue no worker takes: the jobs stay queued until the test ends them through one that does.
    const queue = uniqueName('held');
    const ids = (await client.enqueueMany(Array.from({ length: 20 }, () => ({ argv: ['true'] })), { queue })).map((j) => j.id);
    const aborter = new AbortController();
    const timedOut = client.waitForJob(ids[0]!, { timeoutMs: 300 });
    const aborted = client.waitForJob(ids[1]!, { signal: aborter.signal });
    const others = client.waitForJobs(ids.slice(2), { timeoutMs: 60_000 });
    await expect(timedOut).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    aborter.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'E_TIMEOUT', message: /stopped/ });
    expect((await connections(name)).filter((c) => c.cmd === 'xread').length).toBeLessThanOrEqual(1);

    await h.startWorker({ concurrency: 8, queue });
    const records = await others;
    expect(records.map((r) => r.id)).toEqual(ids.slice(2));
    // Alone and stopped mid-read: the blocking read must not stay behind.
    const lone = client.waitForJob(ids[0]!, { timeoutMs: 60_000 });
    expect((await lone).state).toBe('succeeded');
    const late = await client.enqueue({ argv: ['sleep', '30'] }, { queue: uniqueName('nobody') });
    await expect(client.waitForJob(late.id, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    await waitFor(async () => !(await connections(name)).some((c) => c.cmd === 'xread'), { message: 'no blocking read once the last wait timed out' });
  }, 90_000);

  it('misses no job that ends while waits register one after the other', async () => {
    const { client, name } = await namedClient();
    await h.startWorker({ concurrency: 8 });
    const ids = (await client.enqueueMany(Array.from({ length: 400 }, (_, i) => ({ argv: ['true', String(i)] })))).map((j) => j.id);
    const waits: Array<Promise<JobRecord>> = [];
    let endedBefore = 0;
    let most = 0;
    for (const id of ids) {
      // Did it end before its wait registered? Then the record check finds it, otherwise an event.
      if ((await client.findJob(id))?.finishedAt) endedBefore += 1;
      waits.push(client.waitForJob(id, { timeoutMs: 60_000 }));
      if (waits.length % 50 === 0) most = Math.max(most, (await connections(name)).length);
    }
    const records = await Promise.all(waits);
    expect(records.map((r) => [r.id, r.state])).toEqual(ids.map((id) => [id, 'succeeded']));
    // The race happened for real: some jobs ended before their wait, some after.
    expect(endedBefore).toBeGreaterThan(0);
    expect(endedBefore).toBeLessThan(ids.length);
    expect(most).toBeLessThanOrEqual(3);
  }, 90_000);

  it('goes on after its blocking connection is killed (reconnects and resumes from the last event)', async () => {
    const { client, name } = await namedClient();
    const queue = uniqueName('reconnect');
    const [id] = (await client.enqueueMany([{ argv: ['true'] }], { queue })).map((j) => j.id);
    const waiting = client.waitForJob(id!, { timeoutMs: 60_000 });
    const reader = await waitFor(async () => (await connections(name)).find((c) => c.cmd === 'xread'), { message: 'the shared reader to block' });
    await admin.client('KILL', 'ID', reader.id);
    await h.startWorker({ queue });
    expect((await waiting).state).toBe('succeeded');
  }, 60_000);

  it('close() ends pending waits with E_CLIENT_CLOSED and leaves no connection', async () => {
    const { client, name } = await namedClient();
    const queue = uniqueName('never');
    const ids = (await client.enqueueMany([{ argv: ['true'] }, { argv: ['true'] }], { queue })).map((j) => j.id);
    const waits = ids.map((id) => client.waitForJob(id).then(() => undefined, (error: unknown) => error as KinglyError));
    const follower = (async () => {
      for await (const event of client.events()) void event;
    })().then(() => undefined, (error: unknown) => error as KinglyError);
    await waitFor(async () => (await connections(name)).some((c) => c.cmd === 'xread'), { message: 'the shared reader to block' });
    await client.close();
    for (const error of [...(await Promise.all(waits)), await follower]) {
      expect(error).toMatchObject({ code: 'E_CLIENT_CLOSED', message: /closed/ });
    }
    await waitFor(async () => (await connections(name)).length === 0, { message: 'every connection of the closed client to be gone' });
  });
});
