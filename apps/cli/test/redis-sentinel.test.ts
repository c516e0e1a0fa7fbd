import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createKeys, KinglyClient, redisOptionsFromUrl } from '@kingly/cmd';
import { startSentinelGroup, tempDir, uniqueName, waitFor, type TestSentinelGroup } from '@kingly/testing';
import { cleanEnv, kingly, startWorkerProcess, type WorkerProcess } from './helpers.js';

// redis+sentinel:// end to end: workers (ioredis) and the CLI's status (LiteRedis, which asks a
// sentinel for the master) through a planned failover in the middle of 200 jobs. Replication is
// asynchronous: a failover that does not wait for the replica (a master that crashed) can drop the
// last writes, so the harness holds writes until the replica has them, as a planned switch does.
describe('Redis behind Sentinel (redis+sentinel://)', () => {
  const home = tempDir('kingly-cli-sentinel');
  let group: TestSentinelGroup;
  let env: Record<string, string | undefined>;
  let client: KinglyClient;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    group = await startSentinelGroup();
    env = cleanEnv({ KINGLY_REDIS_URL: group.url, KINGLY_PREFIX: uniqueName('cli-sentinel'), KINGLY_HOME: home.path });
    client = new KinglyClient({ redisUrl: group.url, prefix: env.KINGLY_PREFIX! });
    workers.push(await startWorkerProcess(env, ['--concurrency', '4']), await startWorkerProcess(env, ['--concurrency', '4']));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await client?.close();
    await group?.stop();
    home.remove();
  }, 60_000);

  it('a failover during 200 jobs loses none: every job ends once, and status follows the new master', async () => {
    const jobs = await client.enqueueMany(Array.from({ length: 200 }, (_, i) => ({ command: `sleep 0.$((RANDOM % 3)); echo job ${i}` })));
    const ids = jobs.map((j) => j.id);
    await waitFor(async () => (await client.status()).counts.succeeded >= 40, { timeoutMs: 60_000, message: '40 jobs to succeed before the failover' });
    const before = await group.masterPort();
    const after = await group.failover();
    expect(after).not.toBe(before);
    let open = '';
    const records = await waitFor(
      async () => {
        const all = await Promise.all(ids.map((id) => client.getJob(id)));
        const left = all.filter((r) => r.state === 'queued' || r.state === 'running');
        open = left.map((r) => `${r.id} ${r.state}`).slice(0, 5).join(', ');
        return left.length === 0 ? all : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, message: `all 200 jobs to end after the failover (still open: ${open})` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; still open, first five: ${open}`);
    });
    // Nothing lost: every job ended; jobs caught by the failover end honestly (never left running).
    const states = new Map<string, number>();
    for (const r of records) states.set(r.state, (states.get(r.state) ?? 0) + 1);
    expect([...states.keys()].every((s) => s === 'succeeded' || s === 'worker-lost'), JSON.stringify([...states])).toBe(true);
    expect(states.get('succeeded') ?? 0).toBeGreaterThanOrEqual(190);
    // Each ended once: one finished event per job on the new master's events stream.
    const redis = new Redis(redisOptionsFromUrl(group.url));
    try {
      const finished = (await redis.xrange(createKeys(env.KINGLY_PREFIX).events, '-', '+')).filter(([, f]) => f[f.indexOf('type') + 1] === 'finished');
      const perJob = new Map<string, number>();
      for (const [, f] of finished) perJob.set(f[f.indexOf('job') + 1]!, (perJob.get(f[f.indexOf('job') + 1]!) ?? 0) + 1);
      expect(ids.filter((id) => perJob.get(id) !== 1)).toEqual([]);
    } finally {
      redis.disconnect();
    }
    const status = await kingly(['status', '--json'], env);
    expect(status.exitCode, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { workers: Array<{ alive: boolean }> };
    expect(report.workers.filter((w) => w.alive)).toHaveLength(2);
  }, 240_000);
});
