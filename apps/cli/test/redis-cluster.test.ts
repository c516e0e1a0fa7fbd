import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys, KinglyClient } from '@kingly/cmd';
import { pidsWithEnv, startRedisCluster, tempDir, TEST_TLS_CERT, uniqueName, waitFor, type TestRedisCluster } from '@kingly/testing';
import { cleanEnv, kingly, lines, startWorkerProcess, type WorkerProcess } from './helpers.js';

// redis+cluster:// end to end on a real 3-master cluster: workers (ioredis Cluster, BullMQ on it),
// the CLI's commands (ioredis Cluster; status and completion through LiteRedis, which connects to
// the master of the prefix's slot) and the client. The prefix is a hash tag, so every key of kingly
// and BullMQ hashes to one slot: each multi-key script and MULTI is served by one node.
describe('Redis Cluster (redis+cluster://)', () => {
  const home = tempDir('kingly-cli-cluster');
  const prefix = `{${uniqueName('cli-cluster')}}`;
  let cluster: TestRedisCluster;
  let env: Record<string, string | undefined>;
  let client: KinglyClient;
  const workers: WorkerProcess[] = [];
  /** The URL listing first (and, for `elsewhere`, only) nodes that do not serve the prefix's slot. */
  let url: string;
  let elsewhere: string;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    const owner = await cluster.ask(cluster.ports[0]!, async (r) => {
      const slot = Number(await r.call('CLUSTER', 'KEYSLOT', prefix));
      const ranges = (await r.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
      return ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
    });
    const others = cluster.ports.filter((p) => p !== owner);
    url = `redis+cluster://${[...others, owner].map((p) => `127.0.0.1:${p}`).join(',')}`;
    elsewhere = `redis+cluster://127.0.0.1:${others[0]}`;
    env = cleanEnv({ KINGLY_REDIS_URL: url, KINGLY_PREFIX: prefix, KINGLY_HOME: home.path });
    client = new KinglyClient({ redisUrl: url, prefix });
    workers.push(await startWorkerProcess(env, ['--concurrency', '4']), await startWorkerProcess(env, ['--concurrency', '4']));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await client?.close();
    await cluster?.stop();
    home.remove();
  }, 60_000);

  it('run -f streams the output; status, jobs, logs and wait read the job', async () => {
    const run = await kingly(['run', '-f', '--name', 'on-cluster', 'echo one; echo two >&2; echo three; exit 3'], env);
    expect(run.stdout, run.stderr).toBe('one\nthree\n');
    expect(run.stderr).toBe('two\n');
    expect(run.exitCode).toBe(3);
    const status = await kingly(['status', '--json'], env);
    expect(status.exitCode, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { workers: Array<{ alive: boolean }>; counts: Record<string, number> };
    expect(report.workers.filter((w) => w.alive)).toHaveLength(2);
    expect(report.counts.failed).toBe(1);
    const jobs = JSON.parse((await kingly(['jobs', '--json'], env)).stdout) as Array<{ id: string; name: string; state: string; exitCode: number }>;
    const job = jobs.find((j) => j.name === 'on-cluster');
    expect(job).toMatchObject({ state: 'failed', exitCode: 3 });
    const logs = await kingly(['logs', job!.id], env);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('one');
    expect(logs.stdout).toContain('three');
    expect((await kingly(['wait', job!.id], env)).exitCode).toBe(3);
    // Shell completion reads the newest jobs through LiteRedis too.
    expect(lines((await kingly(['__complete', '--', 'show', ''], env)).stdout)).toEqual(expect.arrayContaining([job!.id, 'on-cluster']));
    // Given only a node that does not serve the slot: ioredis follows MOVED, LiteRedis (status)
    // asks for the slot's master.
    const ok = (await kingly(['run', 'echo fine'], { ...env, KINGLY_REDIS_URL: elsewhere })).stdout.trim();
    expect((await kingly(['wait', ok], { ...env, KINGLY_REDIS_URL: elsewhere })).exitCode).toBe(0);
    const viaOther = await kingly(['status', '--json'], { ...env, KINGLY_REDIS_URL: elsewhere });
    expect(viaOther.exitCode, viaOther.stderr).toBe(0);
    expect((JSON.parse(viaOther.stdout) as { counts: Record<string, number> }).counts.succeeded).toBe(1);
  }, 120_000);

  it('kill ends a running process tree through the control channel (pub/sub on the cluster)', async () => {
    const started = await kingly(['run', `sh -c 'sleep 1000 & (setsid sleep 1000 &); trap "" TERM; sleep 1000'`], env);
    expect(started.exitCode, started.stderr).toBe(0);
    const id = started.stdout.trim();
    await waitFor(async () => (await client.getJob(id)).state === 'running' && pidsWithEnv('KINGLY_JOB_ID', id).length >= 3, {
      timeoutMs: 30_000,
      message: `job ${id} to run with 3 processes`,
    });
    const result = await kingly(['kill', '--grace', '500ms', id], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${id}\\s+killed\\s+cancelled \\(SIGTERM\\)`));
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect(await client.getJob(id)).toMatchObject({ state: 'cancelled' });
  }, 120_000);

  it('50 jobs each end once (one finished event each), and every key is in the prefix slot on one node', async () => {
    const ids = (await client.enqueueMany(Array.from({ length: 50 }, (_, i) => ({ command: `echo job ${i}` })))).map((j) => j.id);
    const records = await client.waitForJobs(ids, { timeoutMs: 120_000 });
    expect(records.map((r) => r.state)).toEqual(ids.map(() => 'succeeded'));
    const keys = createKeys(prefix);
    const events = await client.redis().then((r) => r.xrange(keys.events, '-', '+'));
    const finished = new Map<string, number>();
    for (const [, f] of events) if (f[f.indexOf('type') + 1] === 'finished') finished.set(f[f.indexOf('job') + 1]!, (finished.get(f[f.indexOf('job') + 1]!) ?? 0) + 1);
    expect(ids.filter((id) => finished.get(id) !== 1)).toEqual([]);

    const slot = await cluster.ask(cluster.ports[0]!, async (r) => Number(await r.call('CLUSTER', 'KEYSLOT', prefix)));
    const slotOf = (key: string): Promise<number> => cluster.ask(cluster.ports[0]!, async (r) => Number(await r.call('CLUSTER', 'KEYSLOT', key)));
    for (const key of [keys.job(ids[0]!), keys.logs(ids[0]!), keys.events, keys.jobsIndex, keys.stateIndex('succeeded'), keys.worker('w'), `${prefix}:commands:wait`]) {
      expect(await slotOf(key), key).toBe(slot);
    }
    // Nothing of kingly's or BullMQ's anywhere else: every key of every node is in that slot (keys
    // come and go while the workers run, so each key seen is checked, not counts).
    const seen = await Promise.all(
      cluster.ports.map((p) =>
        cluster.ask(p, async (r) => {
          const all: string[] = [];
          let cursor = '0';
          do {
            const [next, batch] = await r.scan(cursor, 'COUNT', 1000);
            cursor = next;
            all.push(...batch);
          } while (cursor !== '0');
          const slots = await Promise.all(all.map(async (key) => Number(await r.call('CLUSTER', 'KEYSLOT', key))));
          return { all, outside: all.filter((_, i) => slots[i] !== slot) };
        }),
      ),
    );
    expect(seen.flatMap((n) => n.outside)).toEqual([]);
    expect(seen.filter((n) => n.all.length > 0)).toHaveLength(1);
    expect(seen.reduce((n, x) => n + x.all.length, 0)).toBeGreaterThan(50 * 2);
  }, 180_000);

  it('a prefix without a hash tag is refused naming the option; no prefix means {kingly}', async () => {
    const bad = await kingly(['status'], { ...env, KINGLY_PREFIX: 'plain' });
    expect(bad.exitCode, bad.stderr).toBe(2);
    expect(lines(bad.stderr)[0]).toMatch(/prefix: 'plain' has no hash tag/);
    expect(bad.stderr).toContain('{plain}');
    const worker = await kingly(['worker'], { ...env, KINGLY_PREFIX: 'plain' }, { timeoutMs: 30_000 });
    expect(worker.exitCode, worker.stderr).toBe(2);
    expect(worker.stderr).toMatch(/prefix: 'plain' has no hash tag/);
    expect(() => new KinglyClient({ redisUrl: url, prefix: 'plain' })).toThrow(/prefix: 'plain' has no hash tag/);
    const defaulted = await kingly(['status', '--json'], { ...env, KINGLY_PREFIX: undefined });
    expect(defaulted.exitCode, defaulted.stderr).toBe(0);
    expect(new KinglyClient({ redisUrl: url }).keys.prefix).toBe('{kingly}');
  }, 60_000);
});

// rediss+cluster://: a cluster that speaks TLS only (between its nodes too), its private CA trusted
// through KINGLY_REDIS_CA: a worker, run -f and status (LiteRedis over TLS to the slot's master).
describe('Redis Cluster over TLS (rediss+cluster://)', () => {
  const home = tempDir('kingly-cli-cluster-tls');
  let cluster: TestRedisCluster;
  let env: Record<string, string | undefined>;
  let worker: WorkerProcess | undefined;
  const before = process.env.KINGLY_REDIS_CA;
  beforeAll(async () => {
    cluster = await startRedisCluster({ tls: true });
    env = cleanEnv({ KINGLY_REDIS_URL: cluster.url, KINGLY_REDIS_CA: TEST_TLS_CERT, KINGLY_HOME: home.path });
    // startWorkerProcess waits for the heartbeat with a client of this process.
    process.env.KINGLY_REDIS_CA = TEST_TLS_CERT;
    worker = await startWorkerProcess({ ...env, KINGLY_PREFIX: '{kingly}' });
  }, 120_000);
  afterAll(async () => {
    if (before === undefined) delete process.env.KINGLY_REDIS_CA;
    else process.env.KINGLY_REDIS_CA = before;
    await worker?.stop();
    await cluster?.stop();
    home.remove();
  }, 60_000);

  it('run -f and status work over TLS; without the CA trusted, status says why it cannot connect', async () => {
    expect(cluster.url).toMatch(/^rediss\+cluster:\/\//);
    const run = await kingly(['run', '-f', 'echo over tls'], env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout, run.stderr).toBe('over tls\n');
    const status = await kingly(['status', '--json'], env);
    expect(status.exitCode, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { workers: Array<{ pid: number; alive: boolean }> }).workers).toContainEqual(expect.objectContaining({ pid: worker!.pid, alive: true }));
    const untrusted = await kingly(['status', '--json'], { ...env, KINGLY_REDIS_CA: undefined });
    expect(untrusted.exitCode, untrusted.stderr).toBe(1);
    expect(untrusted.stderr).toMatch(/self[- ]signed certificate/);
  }, 120_000);
});
