import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinglyClient, type JobRecord } from '@kingly/cmd';
import { isAlive, pidsWithEnv, startRedisServer, tempDir, uniqueName, waitFor, type TestRedis } from '@kingly/testing';
import { cleanEnv } from './helpers.js';

// The repository's ecosystem.config.cjs run for real: a PM2 daemon of its own (PM2_HOME in a
// temporary directory) starts its workers (KINGLY_WORKERS=2) on a private redis-server, as
// `pm2 start ecosystem.config.cjs --only kingly-worker` on a machine of the fleet.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const PM2_BIN = createRequire(import.meta.url).resolve('pm2/bin/pm2');

interface Pm2Process {
  readonly name: string;
  readonly pm_id: number;
  readonly pid: number;
  readonly pm2_env: { readonly status: string; readonly restart_time: number };
}

describe('ecosystem.config.cjs under PM2', () => {
  const home = tempDir('kingly-pm2-home');
  const pm2Home = tempDir('kingly-pm2');
  let redis: TestRedis;
  let client: KinglyClient;
  let env: Record<string, string | undefined>;

  /** Runs the pm2 bin against this test's daemon; throws with its output when it fails. */
  const pm2 = async (...args: string[]): Promise<string> => {
    const result = await execa(process.execPath, [PM2_BIN, ...args], { env, extendEnv: false, cwd: root, reject: false, timeout: 120_000 });
    if (result.exitCode !== 0) throw new Error(`pm2 ${args.join(' ')} exited ${result.exitCode}: ${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  const workers = async (): Promise<Pm2Process[]> => ((JSON.parse(await pm2('jlist')) as Pm2Process[]).filter((p) => p.name === 'kingly-worker'));
  /** Both PM2 workers online, each with a live kingly heartbeat from its pid; their pids. */
  const fleetUp = async (what: string): Promise<number[]> =>
    waitFor(
      async () => {
        const listed = await workers();
        if (listed.length !== 2 || listed.some((p) => p.pm2_env.status !== 'online' || !p.pid)) return undefined;
        const alive = new Set((await client.listWorkers()).filter((w) => w.alive).map((w) => w.pid));
        return listed.every((p) => alive.has(p.pid)) ? listed.map((p) => p.pid) : undefined;
      },
      { timeoutMs: 60_000, message: `two PM2 workers online with kingly heartbeats (${what})` },
    );
  const finishedEvents = async (): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    for await (const event of client.events({ since: '0', follow: false })) {
      if (event.type === 'finished') counts.set(event.jobId, (counts.get(event.jobId) ?? 0) + 1);
    }
    return counts;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    env = cleanEnv({
      KINGLY_REDIS_URL: redis.url,
      KINGLY_HOME: home.path,
      KINGLY_WORKERS: '2',
      KINGLY_WORKER_CONCURRENCY: '2',
      PM2_HOME: pm2Home.path,
    });
    client = new KinglyClient({ redisUrl: redis.url });
    await pm2('start', 'ecosystem.config.cjs', '--only', 'kingly-worker');
    await fleetUp('after pm2 start');
  }, 120_000);

  afterAll(async () => {
    if (env) await pm2('kill').catch((error: unknown) => console.error(error));
    await client?.close();
    await redis?.stop();
    home.remove();
    pm2Home.remove();
  }, 120_000);

  it('runs jobs on both workers', async () => {
    const pids = await fleetUp('before the jobs');
    const marker = uniqueName('both');
    const jobs = await client.enqueueMany(Array.from({ length: 8 }, (_, i) => ({ command: `sleep 1; echo ${marker} ${i}`, cwd: home.path, name: marker })));
    const records = await client.waitForJobs(jobs.map((j) => j.id), { timeoutMs: 90_000 });
    expect(records.map((r) => r.state)).toEqual(Array(8).fill('succeeded'));
    // Two slots each: eight one-second jobs cannot all go to one worker while the other waits.
    const pidOf = new Map((await client.listWorkers()).map((w) => [w.id, w.pid]));
    expect(new Set(records.map((r) => pidOf.get(r.workerId!)))).toEqual(new Set(pids));
  }, 120_000);

  it('restarts a worker killed with SIGKILL, and its job ends worker-lost once', async () => {
    await fleetUp('before the kill');
    const marker = uniqueName('lost');
    const { id } = await client.enqueue({ command: 'sleep 300', cwd: home.path, env: { KINGLY_TEST_MARK: marker } });
    const running = await waitFor(async () => {
      const record = await client.getJob(id);
      return record.state === 'running' && record.pid ? record : undefined;
    }, { timeoutMs: 60_000, message: `job ${id} running` });
    const workerPid = (await client.listWorkers()).find((w) => w.id === running.workerId)?.pid;
    const victim = (await workers()).find((p) => p.pid === workerPid);
    expect(victim, `the PM2 process of worker ${running.workerId}`).toBeDefined();
    process.kill(victim!.pid, 'SIGKILL');

    const restarted = await waitFor(async () => {
      const again = (await workers()).find((p) => p.pm_id === victim!.pm_id);
      return again && again.pm2_env.restart_time >= 1 && again.pm2_env.status === 'online' && again.pid !== victim!.pid ? again : undefined;
    }, { timeoutMs: 60_000, message: `PM2 to restart worker ${victim!.pm_id} (pid ${victim!.pid})` });
    expect(restarted.pm2_env.restart_time).toBeGreaterThanOrEqual(1);
    const ended = await client.waitForJob(id, { timeoutMs: 60_000 });
    expect(ended.state).toBe('worker-lost');
    // A worker on the same host kills a dead worker's processes.
    await waitFor(() => pidsWithEnv('KINGLY_TEST_MARK', marker).length === 0, { timeoutMs: 30_000, message: `the job's sleep 300 (pid ${running.pid}) to be killed` });
    expect(isAlive(running.pid!)).toBe(false);
    expect((await finishedEvents()).get(id)).toBe(1);
    await fleetUp('after the restart');
  }, 180_000);

  it('pm2 reload drains: every job of a run ends once, exit 0', async () => {
    await fleetUp('before the reload');
    const before = new Set((await client.listWorkers()).map((w) => w.id));
    const marker = uniqueName('reload');
    const jobs = await client.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ command: `sleep 1; echo ${marker} ${i}`, cwd: home.path, name: marker })));
    const ids = jobs.map((j) => j.id);
    // Reload once a few have finished, with the rest running or waiting.
    await waitFor(async () => (await Promise.all(ids.map((id) => client.getJob(id)))).filter((r) => r.state === 'succeeded').length >= 4, {
      timeoutMs: 60_000,
      message: 'four of the 30 jobs to finish before the reload',
    });
    await pm2('reload', 'ecosystem.config.cjs', '--only', 'kingly-worker');
    const records: JobRecord[] = await client.waitForJobs(ids, { timeoutMs: 120_000 });
    expect(records.map((r) => `${r.state} ${r.exitCode}`)).toEqual(Array(30).fill('succeeded 0'));
    for (const record of records) {
      const lines: string[] = [];
      for await (const entry of client.followLogs(record.id, { follow: false })) if (entry.stream === 'stdout') lines.push(entry.line);
      expect(lines).toEqual([`${marker} ${ids.indexOf(record.id)}`]);
    }
    const events = await finishedEvents();
    expect(ids.map((id) => events.get(id))).toEqual(Array(30).fill(1));
    // The reload happened mid-run: workers started by it ran some of the jobs.
    expect(records.some((r) => !before.has(r.workerId!))).toBe(true);
    await fleetUp('after the reload');
  }, 240_000);
});
