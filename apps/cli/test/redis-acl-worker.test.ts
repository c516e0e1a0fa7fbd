import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedAclRules, fixture, takeAclRefusals, isAlive, pidsWithEnv, startRedisServer, tempDir, uniqueName, waitFor, type TestRedis } from '@kingly/testing';
import { cleanEnv, kingly, startWorkerProcess, type WorkerProcess } from './helpers.js';

interface ShownJob {
  readonly id: string;
  readonly state: string;
  readonly pid: number | null;
  readonly workerId: string | null;
}

/**
 * kingly workers, and the CLI that runs and kills their jobs, logged in as an ACL user with the
 * rule set docs/scaling.md gives workers: every job path a worker takes (run, logs, kill, limits,
 * reaping a dead worker's jobs) works, and Redis refused nothing (its ACL LOG stays empty).
 */
describe('workers as an ACL user with the documented worker rules', () => {
  const home = tempDir('kingly-cli-acl-worker');
  let redis: TestRedis;
  let admin: Redis;
  let userEnv: Record<string, string | undefined>;
  const workers: WorkerProcess[] = [];

  const show = async (id: string): Promise<ShownJob> => {
    const shown = await kingly(['show', '--json', id], userEnv);
    expect(shown.exitCode, shown.stderr).toBe(0);
    return JSON.parse(shown.stdout) as ShownJob;
  };
  const until = (id: string, states: readonly string[]): Promise<ShownJob> =>
    waitFor(async () => {
      const job = await show(id);
      return states.includes(job.state) ? job : undefined;
    }, { timeoutMs: 60_000, message: `job ${id} to be ${states.join(' or ')}` });
  const refused = () => takeAclRefusals(admin);

  beforeAll(async () => {
    redis = await startRedisServer({ password: 'admin-secret' });
    admin = new Redis(`redis://:admin-secret@127.0.0.1:${redis.port}`);
    await admin.call('ACL', 'SETUSER', 'worker', ...documentedAclRules('worker', 'worker-secret'));
    userEnv = cleanEnv({ KINGLY_REDIS_URL: `redis://worker:worker-secret@127.0.0.1:${redis.port}`, KINGLY_HOME: home.path });
    workers.push(await startWorkerProcess(userEnv, ['--concurrency', '4']));
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    admin?.disconnect();
    await redis?.stop();
    home.remove();
  }, 60_000);

  it('runs a job and stores its log', async () => {
    const done = await kingly(['run', '-f', 'echo hello from an ACL worker'], userEnv);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.stdout).toContain('hello from an ACL worker');
    const id = (await kingly(['run', 'echo logged; exit 3'], userEnv)).stdout.trim();
    expect((await until(id, ['failed'])).state).toBe('failed');
    const logs = await kingly(['logs', id], userEnv);
    expect(logs.stdout).toContain('logged');
    expect(await refused()).toEqual([]);
  }, 120_000);

  it('kills a job from another machine and enforces the time and memory limits', async () => {
    const id = (await kingly(['run', 'sleep 300'], userEnv)).stdout.trim();
    await until(id, ['running']);
    const kill = await kingly(['kill', '--grace', '1s', id], userEnv);
    expect(kill.exitCode, kill.stderr).toBe(0);
    expect((await until(id, ['cancelled'])).state).toBe('cancelled');

    const timed = await kingly(['run', '-f', '--timeout', '1s', 'sleep 300'], userEnv);
    expect(timed.exitCode).not.toBe(0);
    const big = (await kingly(['run', '--max-memory', '64M', `node ${fixture('alloc.js')} 400`], userEnv)).stdout.trim();
    expect((await until(big, ['memory-limit', 'succeeded', 'failed'])).state).toBe('memory-limit');
    const states = (JSON.parse((await kingly(['jobs', '--json'], userEnv)).stdout) as ShownJob[]).map((j) => j.state);
    expect(states).toContain('timed-out');
    expect(await refused()).toEqual([]);
  }, 120_000);

  it("reaps a dead worker's job: worker-lost, its process killed by the next worker on the host", async () => {
    const marker = uniqueName('acl-reap');
    const id = (await kingly(['run', '--env', `KINGLY_TEST_MARK=${marker}`, 'sleep 300'], userEnv)).stdout.trim();
    const running = await until(id, ['running']);
    const dead = workers.shift()!;
    process.kill(dead.pid, 'SIGKILL');
    await dead.process;
    workers.push(await startWorkerProcess(userEnv));
    expect((await until(id, ['worker-lost'])).state).toBe('worker-lost');
    await waitFor(() => pidsWithEnv('KINGLY_TEST_MARK', marker).length === 0, { timeoutMs: 30_000, message: `job ${id}'s sleep (pid ${running.pid}) to be killed` });
    expect(isAlive(running.pid!)).toBe(false);
    const again = await kingly(['run', '-f', 'echo after the reap'], userEnv);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await refused()).toEqual([]);
  }, 180_000);
});
