import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createKeys, KinglyClient } from '@kingly/cmd';
import { pidsWithEnv, startRedisServer, uniqueName, waitFor } from '@kingly/testing';
import { createWorker, type KinglyWorker } from '../src/create-worker.js';
import type { WorkerOptions } from '../src/worker-options.js';
import { createHarness } from './harness.js';

// Short intervals so a failing heartbeat (half of the key's life) shows within 1.5 s. The key lives
// 3 s, not 3 intervals: on a loaded machine a 600 ms gap between beats is ordinary, and past the key's
// life the worker rightly ends its own jobs worker-lost (fencing), which is not what these tests check.
const fast = { concurrency: 2, heartbeatMs: 200, heartbeatTtlMs: 3000, sampleIntervalMs: 200, reapIntervalMs: 200, shutdownGraceMs: 1000 } satisfies Partial<WorkerOptions>;

/** A worker whose own log is kept in `lines`. */
async function loggedWorker(options: WorkerOptions): Promise<{ worker: KinglyWorker; lines: string[]; logged: (re: RegExp, what: string) => Promise<string> }> {
  const lines: string[] = [];
  const worker = await createWorker({ ...fast, ...options, log: (line) => lines.push(line) });
  const logged = (re: RegExp, what: string): Promise<string> =>
    waitFor(() => lines.find((l) => re.test(l)), { timeoutMs: 15_000, message: `worker ${worker.id} to log ${what}` }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; its log: ${JSON.stringify(lines)}`);
    });
  return { worker, lines, logged };
}

describe('failures of the loops that keep workers honest are logged', () => {
  it('a worker whose Redis goes away says its heartbeat fails and stops taking jobs, then takes them again once Redis is back', async () => {
    let server = await startRedisServer();
    const prefix = uniqueName('hb-outage');
    const { worker, logged } = await loggedWorker({ redisUrl: server.url, prefix });
    try {
      await server.stop();
      await logged(new RegExp(`heartbeat of worker ${worker.id} failing since \\S+; not taking jobs`), 'that its heartbeat fails and it takes no jobs');
      // The same port, so the worker's connections find it again (empty: nothing is saved).
      server = await startRedisServer({ port: server.port });
      await logged(new RegExp(`heartbeat of worker ${worker.id} written again; taking jobs`), 'that it takes jobs again');
      const client = new KinglyClient({ redisUrl: server.url, prefix });
      try {
        const { id } = await client.enqueue({ command: 'echo back' });
        expect(await client.waitForJob(id, { timeoutMs: 15_000 })).toMatchObject({ state: 'succeeded', workerId: worker.id });
      } finally {
        await client.close();
      }
    } finally {
      await worker.close();
      await server.stop();
    }
  });

  it('a worker that cannot write its heartbeat (Redis up) takes no jobs until it can again', async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.port, '127.0.0.1');
    const prefix = uniqueName('hb-denied');
    const closing: KinglyWorker[] = [];
    try {
      await admin.call('ACL', 'SETUSER', 'sick', 'on', '>sick-pw', '~*', '&*', '+@all');
      const sick = await loggedWorker({ redisUrl: `redis://sick:sick-pw@127.0.0.1:${server.port}`, prefix });
      closing.push(sick.worker);
      // Every key of the prefix stays writable but the heartbeat's two (`worker:<id>`, `workers`).
      await admin.call('ACL', 'SETUSER', 'sick', 'resetkeys', '%R~*', `~${prefix}:[^w]*`);
      await sick.logged(new RegExp(`heartbeat of worker ${sick.worker.id} failed: EXECABORT.*NOPERM`), 'the refused heartbeat');
      await sick.logged(/failing since \S+; not taking jobs/, 'that it takes no jobs');
      // A healthy worker starts after the sick one is waiting for jobs: Redis would hand the next job to the sick one first.
      const healthy = await createWorker({ ...fast, redisUrl: server.url, prefix });
      closing.push(healthy);
      const client = new KinglyClient({ redisUrl: server.url, prefix });
      try {
        const { id } = await client.enqueue({ command: 'echo taken' });
        expect(await client.waitForJob(id, { timeoutMs: 15_000 })).toMatchObject({ state: 'succeeded', workerId: healthy.id });
        await admin.call('ACL', 'SETUSER', 'sick', `~${prefix}:w*`);
        await sick.logged(/written again; taking jobs/, 'that it takes jobs again');
        await healthy.close();
        const again = await client.enqueue({ command: 'echo back' });
        expect(await client.waitForJob(again.id, { timeoutMs: 15_000 })).toMatchObject({ state: 'succeeded', workerId: sick.worker.id });
      } finally {
        await client.close();
      }
    } finally {
      await Promise.all(closing.map((w) => w.close()));
      admin.disconnect();
      await server.stop();
    }
  });

  it('a sample that cannot be written is logged and the worker goes on', async () => {
    const h = createHarness('sampler-fails');
    try {
      const { worker, logged } = await loggedWorker({ redisUrl: h.redisUrl, prefix: h.prefix });
      const redis = new Redis(h.redisUrl);
      try {
        const { id } = await h.client.enqueue({ command: 'sleep 300' });
        await waitFor(async () => (await h.client.getJob(id)).pid !== null, { message: 'the job to run' });
        // The job's record replaced by a string: the sampler's HSET fails with WRONGTYPE.
        const key = createKeys(h.prefix).job(id);
        const saved = await redis.dumpBuffer(key);
        await redis.multi().del(key).set(key, 'not a hash').exec();
        await logged(new RegExp(`sampler: job ${id} record failed: WRONGTYPE`), 'the failed sample write');
        await redis.multi().del(key).restore(key, 0, saved).exec();
        await logged(new RegExp(`sampler: job ${id} record works again`), 'that the sample is written again');
        const { record } = await h.client.cancel(id, { graceMs: 500 });
        expect(record.state).toBe('cancelled');
        await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { message: 'no process of the job to be left' });
        // Still taking and running jobs.
        const next = await h.client.enqueue({ command: 'echo still here' });
        expect(await h.client.waitForJob(next.id, { timeoutMs: 15_000 })).toMatchObject({ state: 'succeeded', workerId: worker.id });
      } finally {
        redis.disconnect();
        await worker.close();
      }
    } finally {
      await h.close();
    }
  });
});
