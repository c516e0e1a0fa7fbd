import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { KinglyClient, type JobRecord } from '@kingly/cmd';
import { pidsWithEnv, startRedisServer, uniqueName, waitFor, type TestRedis } from '@kingly/testing';
import { createWorker } from '../src/create-worker.js';
import { createHarness, exited, logLines, plainId, spawnWorkerProcess, type Harness } from './harness.js';

/** Reads the whole log with `follow` on: it returns only once the end-of-log entry is there. */
async function followToEnd(client: KinglyClient, id: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of client.followLogs(id)) lines.push(entry.line);
  return lines;
}

/** Counts the job's `finished` events (exactly one per terminal transition). */
async function finishedEvents(client: KinglyClient, id: string): Promise<number> {
  const redis = await client.redis();
  const entries = (await redis.xrange(client.keys.events, '-', '+')) as Array<[string, string[]]>;
  return entries.filter(([, f]) => f.includes('finished') && f[f.indexOf('job') + 1] === id).length;
}

describe('hostile job specs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness('hostile');
    await h.startWorker();
  });
  afterAll(async () => h.close());

  it.each([
    ['name', { command: 'echo x', name: 'a\ud800b' }, /^name: is not well-formed text \(lone surrogate/],
    ['command', { command: 'echo \udc00' }, /^command: is not well-formed text/],
    ['env value', { command: 'true', env: { FOO: 'x\ud800' } }, /^env\.FOO: is not well-formed text/],
    ['argv item', { argv: ['echo', 'ok', '\ud83d'] }, /^argv\[2\]: is not well-formed text/],
    ['NUL in cwd', { command: 'true', cwd: '/tmp\0/x' }, /^cwd: contains a NUL byte/],
    ['env name with =', { command: 'true', env: { 'A=B': 'x' } }, /^env\["A=B"\]: /],
    ['huge command', { command: `echo ${'x'.repeat(1 << 20)}` }, /^command: is 1048581 bytes; the limit is 131071/],
  ])('the library refuses a lone surrogate, NUL or oversize in %s, naming the field, and queues nothing', async (_what, spec, message) => {
    const before = await (await h.client.queue()).getJobCounts();
    await expect(h.client.enqueue(spec as never)).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(message) });
    expect(await (await h.client.queue()).getJobCounts()).toEqual(before);
  });

  it('a plain BullMQ job with a lone surrogate in its name ends spawn-failed, and its waiters and log followers return', async () => {
    const queue = new Queue(h.client.queueName, { connection: await h.client.redis(), prefix: h.prefix });
    try {
      const job = await queue.add('plain', { command: 'echo hi', name: 'bad\ud800name', createdAt: Date.now() });
      const record = await h.client.waitForJob(plainId(job), { timeoutMs: 15_000 });
      expect(record.state).toBe('spawn-failed');
      expect(record.reason).toMatch(/^invalid job spec: name: is not well-formed text/);
      const lines = await followToEnd(h.client, plainId(job));
      expect(lines.join('\n')).toMatch(/could not start: invalid job spec: name/);
      expect(await finishedEvents(h.client, plainId(job))).toBe(1);
      expect((await h.client.getJob(plainId(job))).state).toBe('spawn-failed');
    } finally {
      await queue.close();
    }
  });

  it('a plain BullMQ job with a lone surrogate in its command ends spawn-failed, its record still readable', async () => {
    const queue = new Queue(h.client.queueName, { connection: await h.client.redis(), prefix: h.prefix });
    try {
      const job = await queue.add('plain', { command: 'echo \udfff', createdAt: Date.now() });
      const record = await h.client.waitForJob(plainId(job), { timeoutMs: 15_000 });
      expect(record).toMatchObject({ state: 'spawn-failed', reason: expect.stringMatching(/^invalid job spec: command: is not well-formed/) });
      await followToEnd(h.client, plainId(job));
      expect((await h.client.getJob(plainId(job))).command).toBe('echo \ufffd');
    } finally {
      await queue.close();
    }
  });

  it.each([
    ['no data at all', null, 'spawn-failed', /^invalid job spec: command: give exactly one of command/],
    ['a createdAt that is not a time', { command: 'true', createdAt: 'yesterday' }, 'succeeded', null],
    ['a group with a nonsense cap', { command: 'true', group: 'g', groupConcurrency: 0, createdAt: Date.now() }, 'spawn-failed', /^invalid job spec: groupConcurrency: /],
  ])('a plain BullMQ job with %s still ends', async (_what, data, state, reason) => {
    const queue = new Queue(h.client.queueName, { connection: await h.client.redis(), prefix: h.prefix });
    try {
      const job = await queue.add('plain', data);
      const record = await h.client.waitForJob(plainId(job), { timeoutMs: 15_000 });
      expect(record).toMatchObject({ state, reason: reason ? expect.stringMatching(reason) : null });
      // A createdAt that is not a time gives way to BullMQ's timestamp.
      if (typeof (data as { createdAt?: unknown } | null)?.createdAt !== 'number') expect(Date.parse(record.createdAt!)).toBe(job.timestamp);
      await followToEnd(h.client, plainId(job));
    } finally {
      await queue.close();
    }
  });
});

describe('the finish path', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis.stop());

  it('ends the job when the full record cannot be written (a bulk string over proto-max-bulk-len)', async () => {
    // A private server whose bulk-string cap (1 MiB, the smallest Redis allows) is below the
    // finished event of a job with ~0.9 MiB of arguments: the record carries them twice (argv and
    // the command line), so the normal finish fails where every earlier write fits.
    const admin = new Redis(redis.url);
    await admin.config('SET', 'proto-max-bulk-len', String(1024 * 1024));
    await admin.quit();
    const prefix = uniqueName('finish');
    const client = new KinglyClient({ redisUrl: redis.url, prefix });
    const logged: string[] = [];
    const worker = await createWorker({ redisUrl: redis.url, prefix, concurrency: 1, shutdownGraceMs: 1000, log: (line) => logged.push(line) });
    try {
      const big = 'a'.repeat(120_000);
      const { id } = await client.enqueue({ argv: ['true', big, big, big, big, big, big, big], name: 'big-args' });
      const record: JobRecord = await client.waitForJob(id, { timeoutMs: 20_000 });
      expect(record.state).toBe('succeeded');
      expect(record.reason).toMatch(/^kingly could not record the full outcome: .*bulk/i);
      expect(await client.getJob(id)).toMatchObject({ state: 'succeeded', exitCode: 0, reason: expect.stringMatching(/could not record the full outcome/) });
      await followToEnd(client, id);
      expect(await finishedEvents(client, id)).toBe(1);
      expect(logged.join('\n')).toMatch(new RegExp(`job ${id}: .*could not record the full outcome`));
    } finally {
      await worker.close();
      await client.close();
    }
  });
});

describe('kill of a job whose worker is gone', () => {
  const fast = { heartbeatMs: 300, reapIntervalMs: 300, lockDurationMs: 1500 };

  it('ends the job worker-lost, so waiters and log followers return; a later worker on the host kills the orphan', async () => {
    const h = createHarness('gone-kill'); // no other worker: nobody reaps until one starts
    try {
      const doomed = await spawnWorkerProcess(h, fast);
      const { id } = await h.client.enqueue({ command: 'echo started; sleep 300' });
      await waitFor(async () => (await logLines(h.client, id)).includes('stdout:started'), { message: 'the job to run on the doomed worker' });
      doomed.child.kill('SIGKILL');
      await exited(doomed.child);
      await waitFor(async () => (await h.client.listWorkers()).some((w) => w.pid === doomed.child.pid && !w.alive), { message: 'the worker to be seen dead' });
      const waiting = h.client.waitForJob(id, { timeoutMs: 15_000 });
      const following = followToEnd(h.client, id);
      const { record, action } = await h.client.cancel(id, { graceMs: 200 });
      expect(action).toBe('killed');
      expect(record.state).toBe('worker-lost');
      expect(record.reason).toMatch(/cancel requested, but worker .* is gone/);
      expect((await waiting).state).toBe('worker-lost');
      expect((await following).join('\n')).toMatch(/started[\s\S]*worker-lost/);
      expect(await finishedEvents(h.client, id)).toBe(1);
      // The process outlived its worker; the reaping entry stays so a worker on this host kills it.
      expect(pidsWithEnv('KINGLY_JOB_ID', id).length).toBeGreaterThan(0);
      await h.startWorker(fast);
      await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { message: 'the orphan to be killed' });
      expect((await h.client.getJob(id)).state).toBe('worker-lost');
    } finally {
      await h.close();
    }
  });
});
