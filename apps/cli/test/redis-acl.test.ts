import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedAclRules, startRedisServer, tempDir, waitFor, type TestRedis } from '@kingly/testing';
import { cleanEnv, kingly, startWorkerProcess, type WorkerProcess } from './helpers.js';

/**
 * The read-only rule set docs/scaling.md gives dashboards and status screens (read from there):
 * kingly's keys and channels, reading commands only (a script's writes are checked against the
 * same rules).
 */
const READ_ONLY_RULES = documentedAclRules('dashboard', 'read-secret');

describe('an ACL user with read-only rules', () => {
  const home = tempDir('kingly-cli-acl');
  let redis: TestRedis;
  let admin: Redis;
  let worker: WorkerProcess;
  let readEnv: Record<string, string | undefined>;
  beforeAll(async () => {
    redis = await startRedisServer({ password: 'admin-secret' });
    admin = new Redis(`redis://:admin-secret@127.0.0.1:${redis.port}`);
    await admin.call('ACL', 'SETUSER', 'dashboard', ...READ_ONLY_RULES);
    const adminEnv = cleanEnv({ KINGLY_REDIS_URL: redis.url, KINGLY_HOME: home.path });
    worker = await startWorkerProcess(adminEnv);
    readEnv = cleanEnv({ KINGLY_REDIS_URL: `redis://dashboard:read-secret@127.0.0.1:${redis.port}`, KINGLY_HOME: home.path });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    admin?.disconnect();
    await redis?.stop();
    home.remove();
  }, 60_000);

  it('can run status, jobs and logs, and cannot enqueue or kill', async () => {
    const adminEnv = cleanEnv({ KINGLY_REDIS_URL: redis.url, KINGLY_HOME: home.path });
    const done = await kingly(['run', '-f', 'echo hello from the admin'], adminEnv);
    expect(done.exitCode, done.stderr).toBe(0);
    const id = (await kingly(['run', 'sleep 300'], adminEnv)).stdout.trim();
    await waitFor(async () => (await kingly(['status', '--json'], adminEnv)).stdout.includes(id), { timeoutMs: 20_000, message: `job ${id} to run` });

    const status = await kingly(['status', '--json'], readEnv);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain(id);
    const jobs = await kingly(['jobs', '--json'], readEnv);
    expect(jobs.exitCode, jobs.stderr).toBe(0);
    expect(jobs.stdout).toContain(id);
    const finished = JSON.parse(jobs.stdout) as Array<{ id: string; state: string }>;
    const first = finished.find((j) => j.state === 'succeeded')!;
    const logs = await kingly(['logs', first.id], readEnv);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('hello from the admin');

    // A finished job whose record has expired: readers drop it from the indexes as they read, a
    // write this user may not make. It reads around it instead of failing.
    const expired = finished.find((j) => j.state === 'succeeded' && j.id !== first.id) ?? first;
    await admin.del(`kingly:job:${expired.id}`);
    await admin.zadd('kingly:expiries', 1, expired.id);
    const stale = await kingly(['status', '--json'], readEnv);
    expect(stale.exitCode, stale.stderr).toBe(0);
    const listed = await kingly(['jobs', '--json'], readEnv);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((j) => j.id)).not.toContain(expired.id);
    expect(await admin.zscore('kingly:jobs', expired.id)).not.toBeNull();

    const run = await kingly(['run', 'echo sneaky'], readEnv);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/NOPERM|no permissions/i);
    const kill = await kingly(['kill', id], readEnv);
    expect(kill.exitCode).not.toBe(0);
    expect((await kingly(['status', '--json'], adminEnv)).stdout).toContain(id);
    expect((await kingly(['kill', '--grace', '1s', id], adminEnv)).exitCode).toBe(0);
  }, 120_000);
});
