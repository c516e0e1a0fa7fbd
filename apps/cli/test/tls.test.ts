import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, tempDir, TEST_TLS_CERT, uniqueName, waitFor, type TestRedis } from '@kingly/testing';
import { cleanEnv, KINGLY_BIN, kingly } from './helpers.js';

interface StatusJson {
  workers: Array<{ pid: number; alive: boolean }>;
  running: Array<{ id: string }>;
}

// rediss:// end to end: a worker (ioredis) and the CLI's status (LiteRedis) on a TLS-only Redis
// whose self-signed certificate is trusted through NODE_EXTRA_CA_CERTS, as a user would do it.
describe('a Redis reached over TLS (rediss://)', () => {
  const home = tempDir('kingly-cli-tls');
  let redis: TestRedis;
  let env: Record<string, string | undefined>;
  let worker: ReturnType<typeof execa> | undefined;
  beforeAll(async () => {
    redis = await startRedisServer({ tls: true });
    env = cleanEnv({ KINGLY_REDIS_URL: redis.url, KINGLY_PREFIX: uniqueName('cli-tls'), KINGLY_HOME: home.path, NODE_EXTRA_CA_CERTS: TEST_TLS_CERT });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await worker;
    }
    await redis.stop();
    home.remove();
  });

  it('runs a job and shows it in status; without the certificate trusted, status says why it cannot connect', async () => {
    worker = execa(process.execPath, [KINGLY_BIN, 'worker'], { env, extendEnv: false, reject: false, stdio: 'ignore' });
    const status = async (): Promise<StatusJson> => {
      const result = await kingly(['status', '--json'], env);
      expect(result.exitCode, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as StatusJson;
    };
    await waitFor(async () => (await status()).workers.some((w) => w.pid === worker!.pid && w.alive), {
      timeoutMs: 30_000,
      message: 'the worker’s heartbeat to show over TLS',
    });
    const id = (await kingly(['run', 'sleep 300'], env)).stdout.trim();
    await waitFor(async () => (await status()).running.some((j) => j.id === id), { timeoutMs: 20_000, message: `job ${id} to show running` });

    const untrusted = await kingly(['status', '--json'], { ...env, NODE_EXTRA_CA_CERTS: undefined });
    expect(untrusted.exitCode).toBe(1);
    expect(untrusted.stderr).toContain(`cannot reach Redis at ${redis.url}`);
    expect(untrusted.stderr).toMatch(/self[- ]signed certificate/);
    // KINGLY_REDIS_CA trusts a private CA for Redis alone (instead of the whole process's CAs).
    const scoped = await kingly(['status', '--json'], { ...env, NODE_EXTRA_CA_CERTS: undefined, KINGLY_REDIS_CA: TEST_TLS_CERT });
    expect(scoped.exitCode, scoped.stderr).toBe(0);
    expect(JSON.parse(scoped.stdout)).toHaveProperty('workers');

    // Or redisCaFile in kingly.config.json, relative to the file; KINGLY_REDIS_CA wins over it.
    const project = tempDir('kingly-cli-tls-config');
    try {
      mkdirSync(join(project.path, 'certs'));
      copyFileSync(TEST_TLS_CERT, join(project.path, 'certs', 'redis-ca.pem'));
      writeFileSync(join(project.path, 'kingly.config.json'), JSON.stringify({ redisCaFile: 'certs/redis-ca.pem' }));
      mkdirSync(join(project.path, 'sub'));
      const configEnv = { ...env, NODE_EXTRA_CA_CERTS: undefined };
      const fromConfig = await kingly(['status', '--json'], configEnv, { cwd: join(project.path, 'sub') });
      expect(fromConfig.exitCode, fromConfig.stderr).toBe(0);
      expect(JSON.parse(fromConfig.stdout)).toHaveProperty('workers');
      const ran = await kingly(['run', '-f', 'echo trusted through the config file'], configEnv, { cwd: project.path });
      expect(ran.exitCode, ran.stderr).toBe(0);
      expect(ran.stdout).toContain('trusted through the config file');
      const envWins = await kingly(['status', '--json'], { ...configEnv, KINGLY_REDIS_CA: join(project.path, 'missing.pem') }, { cwd: project.path });
      expect(envWins.exitCode).not.toBe(0);
      expect(envWins.stderr).toContain(`cannot read the CA file '${join(project.path, 'missing.pem')}'`);
    } finally {
      project.remove();
    }

    expect((await kingly(['kill', '--grace', '1s', id], env)).exitCode).toBe(0);
  });
});
