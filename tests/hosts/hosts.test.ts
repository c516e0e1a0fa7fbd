import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys, KinglyClient, type JobRecord } from '@kingly/cmd';
import { answersPing, fixture, isAlive, pidsWithEnv, waitFor } from '@kingly/testing';
import { buildLab, labUnavailable, type Lab, type LabHost } from './lab.js';

const KINGLY_BIN = fileURLToPath(new URL('../../apps/cli/bin/kingly.js', import.meta.url));
const PASSWORD = 'host-suite-secret';
const REDIS_PORT = 6390;
const API_PORT = 7090;
const API_TOKEN = 'host-suite-token';
/** How long B stays cut off in the partition check (the figure). */
const PARTITION_MS = 20_000;

const unavailable = labUnavailable();
if (unavailable) console.warn(`test:hosts skipped: ${unavailable}`);

interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface StatusJson {
  workers: Array<{ id: string; host: string; pid: number; alive: boolean }>;
}

/** Every `finished` event of a job on the events stream (exactly one is the rule). */
async function finishedEvents(redis: Redis, jobId: string): Promise<number> {
  const entries = await redis.xrange(createKeys().events, '-', '+');
  return entries.filter(([, flat]) => {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
    return f.type === 'finished' && f.job === jobId;
  }).length;
}

describe.skipIf(unavailable !== undefined)('three hosts in network namespaces: Redis and the API on A, workers on B and C', () => {
  let lab: Lab;
  let A: LabHost;
  let B: LabHost;
  let C: LabHost;
  let redisDir: string;
  let redisUrl: string;
  let redisProcess: ResultPromise | undefined;
  /** The test's own view of Redis, through the bridge. */
  let redis: Redis;
  let client: KinglyClient;
  const homes: string[] = [];
  const started: ResultPromise[] = [];
  const workers = new Map<LabHost, ResultPromise>();
  const figures: string[] = [];

  const envFor = (host: LabHost): Record<string, string | undefined> => {
    const home = mkdtempSync(join(tmpdir(), `kingly-host-${host.hostname}-`));
    homes.push(home);
    const env: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('KINGLY_')) env[key] = value;
    return { ...env, KINGLY_REDIS_URL: redisUrl, KINGLY_HOME: home, NO_COLOR: '1' };
  };

  const startOn = (host: LabHost, command: string, args: readonly string[], env = envFor(host)): ResultPromise => {
    const child = lab.spawn(host, command, args, env);
    started.push(child);
    return child;
  };

  /** `kingly …` run on a host, to the end. */
  const kinglyOn = async (host: LabHost, args: readonly string[], timeoutMs = 60_000): Promise<CliResult> => {
    const child = lab.spawn(host, process.execPath, [KINGLY_BIN, ...args], envFor(host));
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = await child;
    clearTimeout(timer);
    return { exitCode: result.exitCode ?? -1, stdout, stderr };
  };

  const startRedis = (): ResultPromise =>
    startOn(A, 'redis-server', [
      '--port', String(REDIS_PORT), '--bind', A.ip, '--requirepass', PASSWORD, '--dir', redisDir,
      '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--protected-mode', 'no',
    ]);

  const waitForRedis = (): Promise<unknown> =>
    waitFor(
      () => answersPing({ host: A.ip, port: REDIS_PORT, password: PASSWORD }),
      { timeoutMs: 20_000, message: `redis-server on host A (${A.ip}:${REDIS_PORT}) to answer PING` },
    );

  // Resolves to nothing: a child process is a promise, which an async function would wait for.
  const startWorker = async (host: LabHost): Promise<void> => {
    const child = startOn(host, process.execPath, [KINGLY_BIN, 'worker', '--concurrency', '2', '--grace', '2s']);
    workers.set(host, child);
    await waitFor(async () => (await client.listWorkers()).some((w) => w.pid === child.pid && w.alive && w.host === host.hostname), {
      timeoutMs: 30_000,
      message: `the worker on ${host.hostname} (pid ${child.pid}) to heartbeat`,
    });
  };

  const record = async (id: string): Promise<JobRecord> => {
    const found = await client.getJob(id);
    if (!found) throw new Error(`job ${id} has no record`);
    return found;
  };

  const runningOn = async (ids: readonly string[], host: LabHost): Promise<string[]> => {
    const records = await Promise.all(ids.map(record));
    return records.filter((r) => r.state === 'running' && r.host === host.hostname && r.pid !== null).map((r) => r.id);
  };

  /** Enqueues from host A (the CLI there) and returns the job's id. */
  const enqueueOnA = async (command: string, extra: readonly string[] = []): Promise<string> => {
    const result = await kinglyOn(A, ['run', ...extra, command]);
    expect(result.exitCode, result.stderr).toBe(0);
    return result.stdout.trim();
  };

  beforeAll(async () => {
    lab = buildLab(['a', 'b', 'c']);
    ({ a: A, b: B, c: C } = lab.hosts as Record<'a' | 'b' | 'c', LabHost>);
    redisDir = mkdtempSync(join(tmpdir(), 'kingly-host-redis-'));
    redisUrl = `redis://:${PASSWORD}@${A.ip}:${REDIS_PORT}`;
    redisProcess = startRedis();
    await waitForRedis();
    redis = new Redis({ host: A.ip, port: REDIS_PORT, password: PASSWORD });
    redis.on('error', () => {
      /* Redis restarts in one check: commands wait for the reconnection */
    });
    client = new KinglyClient({ redisUrl });
    void startOn(A, process.execPath, [KINGLY_BIN, 'api', '--host', '0.0.0.0', '--port', String(API_PORT)], { ...envFor(A), KINGLY_API_TOKEN: API_TOKEN });
    await Promise.all([startWorker(B), startWorker(C)]);
  }, 90_000);

  afterAll(async () => {
    for (const line of figures) console.log(`test:hosts figure: ${line}`);
    await client?.close().catch(() => undefined);
    redis?.disconnect();
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(started.map((child) => child.catch(() => undefined)));
    // Whatever a job left in a namespace goes with it (the lab kills every pid in them).
    lab?.teardown();
    for (const dir of [...homes, redisDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('status from A shows the workers of B and C with their hosts; the API on A answers over the bridge', async () => {
    const result = await kinglyOn(A, ['status', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as StatusJson;
    const alive = report.workers.filter((w) => w.alive).map((w) => w.host).sort();
    expect(alive).toEqual([B.hostname, C.hostname].sort());
    await waitFor(
      async () => {
        const r = await fetch(`http://${A.ip}:${API_PORT}/api/workers`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
        const text = await r.text();
        return r.ok && text.includes(B.hostname) && text.includes(C.hostname);
      },
      { timeoutMs: 30_000, message: `GET /api/workers on host A to list ${B.hostname} and ${C.hostname}` },
    );
  });

  it('run -f from A runs on B or C and streams the output back', async () => {
    const result = await kinglyOn(A, ['run', '-f', 'echo "ran on $(hostname)"; echo second line']);
    expect(result.exitCode, result.stderr).toBe(0);
    const match = /ran on (\S+)/.exec(result.stdout);
    expect(match?.[1], result.stdout).toBeDefined();
    expect([B.hostname, C.hostname]).toContain(match![1]);
    expect(result.stdout).toContain('second line');
  });

  let treeJobs: string[] = [];

  it('kill from A ends a process tree running on C, and only that one', async () => {
    // Two slots on each worker: four trees fill both hosts.
    treeJobs = [];
    for (let i = 0; i < 4; i += 1) treeJobs.push(await enqueueOnA(fixture('grandchildren.sh')));
    await waitFor(async () => (await runningOn(treeJobs, B)).length === 2 && (await runningOn(treeJobs, C)).length === 2, {
      timeoutMs: 30_000,
      message: 'two trees to run on B and two on C',
    });
    await waitFor(() => treeJobs.every((id) => pidsWithEnv('KINGLY_JOB_ID', id).length >= 7), { timeoutMs: 20_000, message: 'every tree to have its 7 processes' });
    const [onC] = await runningOn(treeJobs, C);
    const others = treeJobs.filter((id) => id !== onC);
    const killed = await kinglyOn(A, ['kill', '--grace', '1s', onC!]);
    expect(killed.exitCode, killed.stderr).toBe(0);
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', onC!).length === 0, { timeoutMs: 20_000, message: `every process of job ${onC} on C to be gone` });
    await waitFor(async () => (await record(onC!)).state === 'cancelled', { timeoutMs: 20_000, message: `job ${onC} to end cancelled` });
    for (const id of others) expect(pidsWithEnv('KINGLY_JOB_ID', id).length, `job ${id}'s tree`).toBeGreaterThanOrEqual(7);
    expect(await finishedEvents(redis, onC!)).toBe(1);
  });

  it("SIGKILL of B's worker: its jobs end worker-lost (C's worker kills none of B's processes); the next worker on B reaps them", async () => {
    const onB = await runningOn(treeJobs, B);
    expect(onB).toHaveLength(2);
    const pids = new Map(onB.map((id) => [id, pidsWithEnv('KINGLY_JOB_ID', id)]));
    const killedAt = Date.now();
    workers.get(B)!.kill('SIGKILL');
    await waitFor(async () => (await Promise.all(onB.map(record))).every((r) => r.state === 'worker-lost'), {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: `B's jobs ${onB.join(', ')} to end worker-lost after its worker was killed`,
    });
    const detectedMs = Date.now() - killedAt;
    figures.push(`SIGKILL of a worker to its jobs ending worker-lost: ${(detectedMs / 1000).toFixed(1)} s (default heartbeat)`);
    // Only a worker on B may kill B's processes: C's worker marked them lost and left them alone.
    for (const [id, list] of pids) expect(list.filter(isAlive), `processes of job ${id} after C's reaper ran`).toEqual(list);
    await startWorker(B);
    await waitFor(() => [...pids.values()].flat().every((pid) => !isAlive(pid)), { timeoutMs: 30_000, message: "the new worker on B to reap the dead worker's trees" });
    for (const id of onB) expect(await finishedEvents(redis, id)).toBe(1);
    // The tree left on C is C's to end.
    for (const id of await runningOn(treeJobs, C)) expect((await kinglyOn(A, ['kill', '--grace', '1s', id])).exitCode).toBe(0);
  });

  it("a partition of B for 20 s: B's jobs end once and honestly, and B's worker rejoins by itself", async () => {
    const worker = workers.get(B)!;
    const before = (await client.listWorkers()).find((w) => w.pid === worker.pid && w.alive);
    expect(before?.host).toBe(B.hostname);
    // Enough jobs that B surely holds some; each would outlast the partition.
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(await enqueueOnA('sleep 40'));
    const onB: string[] = await waitFor(async () => {
      const found = await runningOn(ids, B);
      return found.length === 2 ? found : undefined;
    }, { timeoutMs: 30_000, message: 'two jobs to run on B' });
    const pids = onB.flatMap((id) => pidsWithEnv('KINGLY_JOB_ID', id));
    lab.cut(B);
    const cutAt = Date.now();
    try {
      await waitFor(async () => (await Promise.all(onB.map(record))).every((r) => r.state === 'worker-lost'), {
        timeoutMs: PARTITION_MS,
        intervalMs: 200,
        message: `B's jobs to end worker-lost while B is cut off`,
      });
      // B's worker fences itself: once its heartbeat has surely expired, it ends its jobs' processes.
      await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: PARTITION_MS, message: "B's worker to end its jobs' processes while cut off" });
      await waitFor(() => Date.now() - cutAt >= PARTITION_MS, { timeoutMs: PARTITION_MS + 1000, intervalMs: 250, message: 'the partition to last 20 s' });
    } finally {
      lab.join(B);
    }
    await waitFor(async () => (await client.listWorkers()).some((w) => w.pid === worker.pid && w.alive), {
      timeoutMs: 60_000,
      message: `B's worker (pid ${worker.pid}, not restarted) to heartbeat again after the partition`,
    });
    expect(worker.exitCode).toBeNull();
    for (const id of onB) {
      expect((await record(id)).state).toBe('worker-lost');
      expect(await finishedEvents(redis, id)).toBe(1);
    }
    for (const id of ids.filter((id) => !onB.includes(id))) await kinglyOn(A, ['kill', '--grace', '1s', id]);
  }, 120_000);

  it('a Redis restart with AOF loses nothing queued, and the workers reconnect by themselves', async () => {
    // Queued from A on a queue no worker takes yet, so they are all still waiting at the restart.
    const commands = Array.from({ length: 20 }, (_, i) => `echo parked ${i}`);
    const enqueued = await kinglyOn(A, ['run', '--parallel', '--queue', 'parked', ...commands]);
    expect(enqueued.exitCode, enqueued.stderr).toBe(0);
    const queued = (await client.listJobs({ queue: 'parked', limit: 100 })).map((r) => r.id);
    expect(queued).toHaveLength(20);
    redisProcess!.kill('SIGTERM');
    await redisProcess;
    redisProcess = startRedis();
    await waitForRedis();
    const parked = startOn(C, process.execPath, [KINGLY_BIN, 'worker', '--queue', 'parked', '--concurrency', '4']);
    await waitFor(async () => (await Promise.all(queued.map(record))).every((r) => r.state === 'succeeded'), {
      timeoutMs: 60_000,
      message: 'all 20 jobs queued before the restart to run to success after it',
    });
    parked.kill('SIGTERM');
    await waitFor(async () => {
      const alive = (await client.listWorkers()).filter((w) => w.alive && w.queue === 'commands').map((w) => w.host);
      return alive.includes(B.hostname) && alive.includes(C.hostname);
    }, { timeoutMs: 60_000, message: 'the workers on B and C to heartbeat again after the restart' });
  }, 120_000);
});
