import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { cleanEnv, kingly, lines } from './helpers.js';

/** What the local stack marks its processes with (apps/cli/src/stack/paths.ts). */
const STACK_ENV = 'KINGLY_STACK_HOME';

const homes: Array<{ path: string; remove: () => void }> = [];

/** `kingly up` starts the API too: on a free port, never the default 7077 another stack may hold. */
let apiPort = 0;
beforeAll(async () => {
  apiPort = await freePort();
});

/** A fresh KINGLY_HOME and an environment with no Redis URL: the local stack is used. */
function stackEnv(path?: string): { home: string; env: Record<string, string | undefined> } {
  const dir = tempDir('kingly-cli-stack');
  homes.push(dir);
  const home = path ?? dir.path;
  return { home, env: cleanEnv({ KINGLY_HOME: home, KINGLY_PREFIX: uniqueName('cli-stack'), KINGLY_API_PORT: String(apiPort) }) };
}

const readPid = (home: string, name: 'redis' | 'worker'): number => Number(readFileSync(join(home, 'run', `${name}.pid`), 'utf8').trim());

async function expectNothingLeft(home: string, pids: number[]): Promise<void> {
  await waitFor(() => pids.every((pid) => !isAlive(pid)) && pidsWithEnv(STACK_ENV, home).length === 0, {
    timeoutMs: 15_000,
    message: `no process of the stack in ${home} (pids ${pids.join(', ')}; left: ${pidsWithEnv(STACK_ENV, home).join(', ')})`,
  });
}

afterAll(async () => {
  // A failed test may leave a stack running: stop it, then make sure.
  for (const { path } of homes) {
    if (existsSync(join(path, 'run'))) await kingly(['down'], cleanEnv({ KINGLY_HOME: path }));
    for (const pid of pidsWithEnv(STACK_ENV, path)) process.kill(pid, 'SIGKILL');
  }
  for (const home of homes) home.remove();
}, 120_000);

describe('the local stack', () => {
  it('up, run -f, down: no process of the stack is left', async () => {
    const { home, env } = stackEnv();
    const up = await kingly(['up'], env);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain(`started the local stack in ${home}`);
    expect(up.stdout).toContain(`unix://${home}/redis.sock`);
    const redisPid = readPid(home, 'redis');
    const workerPid = readPid(home, 'worker');
    expect(isAlive(redisPid) && isAlive(workerPid)).toBe(true);

    const again = await kingly(['up', '--json'], env);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      home,
      started: [],
      redisUrl: `unix://${home}/redis.sock`,
      redis: { pid: redisPid },
      worker: { pid: workerPid },
    });

    const run = await kingly(['run', '-f', 'echo hi'], env);
    expect(run).toMatchObject({ exitCode: 0, stdout: 'hi\n', stderr: '' });

    const down = await kingly(['down'], env);
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain(`stopped the local stack in ${home}`);
    await expectNothingLeft(home, [redisPid, workerPid]);
    expect(existsSync(join(home, 'run', 'redis.pid'))).toBe(false);
    expect(existsSync(join(home, 'run', 'worker.pid'))).toBe(false);

    const downAgain = await kingly(['down'], env);
    expect(downAgain.exitCode).toBe(0);
    expect(downAgain.stdout).toContain('not running');
  }, 120_000);

  it('a command that needs Redis starts the stack, saying so in one line on stderr', async () => {
    const { home, env } = stackEnv();
    const run = await kingly(['run', '-f', 'echo auto'], env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('auto\n');
    expect(lines(run.stderr)).toEqual([`kingly: started the local stack (redis + worker) in ${home}`]);
    const pids = [readPid(home, 'redis'), readPid(home, 'worker')];
    const second = await kingly(['jobs', '--json'], env);
    expect(second.stderr).toBe('');
    expect((JSON.parse(second.stdout) as Array<{ command: string }>).map((j) => j.command)).toEqual(['echo auto']);
    expect((await kingly(['down'], env)).exitCode).toBe(0);
    await expectNothingLeft(home, pids);
  }, 120_000);

  it('queued jobs survive a restart (AOF)', async () => {
    const { home, env } = stackEnv();
    expect((await kingly(['up'], env)).exitCode).toBe(0);
    // No worker takes from this queue, so the job stays queued.
    const id = (await kingly(['run', '--queue', 'nobody-here', 'true'], env)).stdout.trim();
    const firstPids = [readPid(home, 'redis'), readPid(home, 'worker')];
    expect((await kingly(['down'], env)).exitCode).toBe(0);
    await expectNothingLeft(home, firstPids);
    const show = await kingly(['show', '--json', id], env);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, state: 'queued', queue: 'nobody-here' });
    const pids = [readPid(home, 'redis'), readPid(home, 'worker')];
    expect((await kingly(['down'], env)).exitCode).toBe(0);
    await expectNothingLeft(home, pids);
  }, 120_000);

  it('stale pid files (a dead pid, a pid now used by another program) are replaced, not obeyed', async () => {
    const { home, env } = stackEnv();
    mkdirSync(join(home, 'run'), { recursive: true });
    // This test process is alive but is no redis of ours; 2^22+ is beyond any pid in use.
    writeFileSync(join(home, 'run', 'redis.pid'), `${process.pid}\n`);
    writeFileSync(join(home, 'run', 'redis.json'), JSON.stringify({ redisUrl: 'redis://127.0.0.1:1' }));
    writeFileSync(join(home, 'run', 'worker.pid'), '4194305\n');
    const down = await kingly(['down'], env);
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain('not running');
    const up = await kingly(['up'], env);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain('started the local stack');
    const pids = [readPid(home, 'redis'), readPid(home, 'worker')];
    expect(pids).not.toContain(process.pid);
    expect(await kingly(['run', '-f', 'echo ok'], env)).toEqual({ exitCode: 0, stdout: 'ok\n', stderr: '' });
    expect((await kingly(['down'], env)).exitCode).toBe(0);
    await expectNothingLeft(home, pids);
  }, 120_000);

  it('a home whose socket path is too long falls back to loopback TCP, never 6379', async () => {
    const base = stackEnv().home;
    const home = join(base, 'x'.repeat(60), 'y'.repeat(60));
    const { env } = stackEnv(home);
    const up = await kingly(['up', '--json'], env);
    expect(up.exitCode, up.stderr).toBe(0);
    const report = JSON.parse(up.stdout) as { redisUrl: string; redis: { pid: number }; worker: { pid: number } };
    expect(report.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(report.redisUrl).not.toMatch(/:6379$/);
    expect(await kingly(['run', '-f', 'echo tcp'], env)).toEqual({ exitCode: 0, stdout: 'tcp\n', stderr: '' });
    expect((await kingly(['down'], env)).exitCode).toBe(0);
    await expectNothingLeft(home, [report.redis.pid, report.worker.pid]);
  }, 120_000);

  it('without redis-server on PATH: one line saying how to get it', async () => {
    const { env } = stackEnv();
    const result = await kingly(['run', 'true'], { ...env, PATH: '/nonexistent' });
    expect(result.exitCode).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('redis-server is not installed');
    expect(result.stderr).toContain('apt-get install redis-server');
    expect(result.stderr).toContain('brew install redis');
    expect(result.stderr).toContain('KINGLY_REDIS_URL');
  });
});
