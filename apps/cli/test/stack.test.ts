import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, pidsWithCommandLine, pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { cleanEnv, expectNoStackProcess, kingly, lines, PM2_BIN, STACK_ENV, stopStacks } from './helpers.js';

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

interface Daemon {
  name: string;
  app: string;
  up: boolean;
  status: string;
  pid: number;
  restarts: number;
}

async function daemons(env: Record<string, string | undefined>): Promise<Daemon[]> {
  const status = await kingly(['status', '--json'], env);
  expect(status.exitCode, status.stderr).toBe(0);
  return (JSON.parse(status.stdout) as { localStack: { daemons: Daemon[] } }).localStack.daemons;
}

/** The pid of the stack's PM2 daemon (PM2_HOME/pm2.pid). */
const daemonPid = (pm2Home: string): number => Number(readFileSync(join(pm2Home, 'pm2.pid'), 'utf8').trim());

async function show(env: Record<string, string | undefined>, id: string): Promise<{ state: string }> {
  return JSON.parse((await kingly(['show', '--json', id], env)).stdout) as { state: string };
}

afterAll(async () => {
  // A failed test may leave a stack running: stop it, then make sure.
  await stopStacks(homes.map((h) => h.path));
  for (const home of homes) home.remove();
}, 180_000);

describe('the local stack under PM2', () => {
  it('up, run -f, status, down: the PM2 daemon and every app are gone afterwards', async () => {
    const { home, env } = stackEnv();
    const up = await kingly(['up', '--json'], env, { timeoutMs: 120_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const report = JSON.parse(up.stdout) as { pm2Home: string; started: string[]; redisUrl: string; redis: { pid: number; app: string }; worker: { pid: number; app: string }; api: { pid: number; app: string } };
    expect(report).toMatchObject({
      pm2Home: join(home, 'pm2'),
      started: ['redis', 'worker', 'api'],
      redisUrl: `unix://${home}/redis.sock`,
      redis: { app: 'kingly-redis' },
      worker: { app: 'kingly-worker' },
      api: { app: 'kingly-api' },
    });
    const pm2Pid = daemonPid(report.pm2Home);
    const pids = [pm2Pid, report.redis.pid, report.worker.pid, report.api.pid];
    expect(pids.every(isAlive)).toBe(true);
    // PM2 writes the logs where they always were.
    for (const name of ['redis', 'worker', 'api']) expect(existsSync(join(home, 'logs', `${name}.log`)), name).toBe(true);

    const again = await kingly(['up', '--json'], env);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ started: [], redis: { pid: report.redis.pid }, worker: { pid: report.worker.pid } });

    expect(await kingly(['run', '-f', 'echo hi'], env)).toMatchObject({ exitCode: 0, stdout: 'hi\n', stderr: '' });
    expect(await daemons(env)).toEqual([
      { name: 'redis', app: 'kingly-redis', up: true, status: 'online', pid: report.redis.pid, restarts: 0 },
      { name: 'worker', app: 'kingly-worker', up: true, status: 'online', pid: report.worker.pid, restarts: 0 },
      { name: 'api', app: 'kingly-api', up: true, status: 'online', pid: report.api.pid, restarts: 0 },
    ]);
    const text = await kingly(['status'], env);
    expect(lines(text.stdout)[0]).toBe(`local stack in ${home} (PM2 home ${home}/pm2): redis up, worker up, api up`);

    const down = await kingly(['down'], env, { timeoutMs: 120_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toBe(
      `stopped the local stack in ${home}: api (pid ${report.api.pid}), worker (pid ${report.worker.pid}), redis (pid ${report.redis.pid}), its PM2 daemon\n`,
    );
    await expectNoStackProcess(home, pids);

    const downAgain = await kingly(['down'], env);
    expect(downAgain.exitCode).toBe(0);
    expect(downAgain.stdout).toContain('not running');
  }, 180_000);

  it('a command that needs Redis starts the stack, saying so in one line on stderr; two at once make one stack', async () => {
    const { home, env } = stackEnv();
    const [a, b] = await Promise.all([kingly(['run', '-f', 'echo a'], env, { timeoutMs: 120_000 }), kingly(['run', '-f', 'echo b'], env, { timeoutMs: 120_000 })]);
    expect([a.exitCode, b.exitCode], a.stderr + b.stderr).toEqual([0, 0]);
    expect([a.stdout, b.stdout]).toEqual(['a\n', 'b\n']);
    // One of them started the stack and said so; the other waited for it and found it running.
    expect([...lines(a.stderr), ...lines(b.stderr)]).toEqual([`kingly: started the local stack (redis + worker) in ${home}`]);
    const running = await daemons(env);
    expect(running.map((d) => [d.name, d.up])).toEqual([['redis', true], ['worker', true]]);
    expect(pidsWithEnv(STACK_ENV, home).length).toBe(3); // the PM2 daemon, redis, the worker

    const second = await kingly(['jobs', '--json'], env);
    expect(second.stderr).toBe('');
    expect((JSON.parse(second.stdout) as Array<{ command: string }>).map((j) => j.command).sort()).toEqual(['echo a', 'echo b']);
    expect((await kingly(['down'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    await expectNoStackProcess(home, running.map((d) => d.pid));
  }, 180_000);

  it('kill -9 of the worker: PM2 restarts it, its running job ends worker-lost, the next jobs run', async () => {
    const { home, env } = stackEnv();
    expect((await kingly(['up', '--no-api'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    const id = (await kingly(['run', 'sleep 600'], env)).stdout.trim();
    await waitFor(async () => (await show(env, id)).state === 'running' && pidsWithEnv('KINGLY_JOB_ID', id).length > 0, {
      timeoutMs: 60_000,
      message: `job ${id} to be running`,
    });
    const before = (await daemons(env)).find((d) => d.name === 'worker')!;
    expect(before).toMatchObject({ up: true, restarts: 0 });
    process.kill(before.pid, 'SIGKILL');

    const after = await waitFor(
      async () => {
        const worker = (await daemons(env)).find((d) => d.name === 'worker')!;
        return worker.up && worker.pid !== before.pid ? worker : undefined;
      },
      { timeoutMs: 60_000, message: 'PM2 to restart the killed worker' },
    );
    expect(after.restarts).toBe(1);
    await waitFor(async () => (await show(env, id)).state === 'worker-lost', { timeoutMs: 60_000, message: `job ${id} to end worker-lost` });
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { timeoutMs: 30_000, message: `the processes of job ${id} to be gone` });
    for (const word of ['one', 'two']) expect(await kingly(['run', '-f', `echo ${word}`], env)).toEqual({ exitCode: 0, stdout: `${word}\n`, stderr: '' });
    const text = await kingly(['status'], env);
    expect(lines(text.stdout)[0]).toBe(`local stack in ${home} (PM2 home ${home}/pm2): redis up, worker up (restarted 1×)`);

    expect((await kingly(['down'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    await expectNoStackProcess(home, [before.pid, after.pid]);
  }, 240_000);

  it('kill -9 of the PM2 daemon: the next command stops what it left and starts one stack; so does down', async () => {
    const { home, env } = stackEnv();
    const started = await kingly(['up', '--json', '--no-api'], env, { timeoutMs: 120_000 });
    expect(started.exitCode, started.stderr).toBe(0);
    const up = JSON.parse(started.stdout) as { pm2Home: string; redis: { pid: number }; worker: { pid: number } };
    const first = [daemonPid(up.pm2Home), up.redis.pid, up.worker.pid];
    process.kill(first[0]!, 'SIGKILL');
    await waitFor(() => !isAlive(first[0]!), { timeoutMs: 10_000, message: 'the PM2 daemon to die' });
    expect(isAlive(up.redis.pid) && isAlive(up.worker.pid)).toBe(true); // left running, unsupervised

    expect(await kingly(['run', '-f', 'echo again'], env, { timeoutMs: 120_000 })).toEqual({
      exitCode: 0,
      stdout: 'again\n',
      stderr: `kingly: started the local stack (redis + worker) in ${home}\n`,
    });
    await waitFor(() => first.every((pid) => !isAlive(pid)), { timeoutMs: 30_000, message: `the old stack's processes (${first.join(', ')}) to be gone` });
    const second = await daemons(env);
    expect(second.map((d) => [d.name, d.up, d.restarts])).toEqual([['redis', true, 0], ['worker', true, 0]]);
    expect(pidsWithEnv(STACK_ENV, home).sort()).toEqual([daemonPid(up.pm2Home), ...second.map((d) => d.pid)].sort());

    process.kill(daemonPid(up.pm2Home), 'SIGKILL');
    const down = await kingly(['down', '--json'], env, { timeoutMs: 120_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    expect((JSON.parse(down.stdout) as { leftovers: number[] }).leftovers.sort()).toEqual(second.map((d) => d.pid).sort());
    await expectNoStackProcess(home, second.map((d) => d.pid));
  }, 240_000);

  it('queued jobs survive a restart (AOF)', async () => {
    const { home, env } = stackEnv();
    expect((await kingly(['up', '--no-api'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    // No worker takes from this queue, so the job stays queued.
    const id = (await kingly(['run', '--queue', 'nobody-here', 'true'], env)).stdout.trim();
    expect((await kingly(['down'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    await expectNoStackProcess(home);
    const show = await kingly(['show', '--json', id], env, { timeoutMs: 120_000 });
    expect(show.exitCode, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, state: 'queued', queue: 'nobody-here' });
    expect((await kingly(['down'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    await expectNoStackProcess(home);
  }, 180_000);

  it('a stale state file (its PM2 home gone, a dead redis URL) is replaced, not obeyed', async () => {
    const { home, env } = stackEnv();
    mkdirSync(join(home, 'run'), { recursive: true });
    writeFileSync(join(home, 'run', 'stack.json'), JSON.stringify({ pm2Home: join(home, 'no-such-pm2'), redisUrl: 'redis://127.0.0.1:1', worker: true }));
    const down = await kingly(['down'], env);
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain('not running');
    writeFileSync(join(home, 'run', 'stack.json'), JSON.stringify({ pm2Home: join(home, 'no-such-pm2'), redisUrl: 'redis://127.0.0.1:1', worker: true }));
    expect(await kingly(['run', '-f', 'echo ok'], env, { timeoutMs: 120_000 })).toEqual({
      exitCode: 0,
      stdout: 'ok\n',
      stderr: `kingly: started the local stack (redis + worker) in ${home}\n`,
    });
    expect(JSON.parse(readFileSync(join(home, 'run', 'stack.json'), 'utf8'))).toMatchObject({ pm2Home: join(home, 'pm2'), redisUrl: `unix://${home}/redis.sock` });
    expect((await kingly(['down'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    await expectNoStackProcess(home);
  }, 180_000);

  it('a home whose socket path is too long falls back to loopback TCP, never 6379', async () => {
    const base = stackEnv().home;
    const home = join(base, 'x'.repeat(60), 'y'.repeat(60));
    const { env } = stackEnv(home);
    const up = await kingly(['up', '--json', '--no-api'], env, { timeoutMs: 120_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const report = JSON.parse(up.stdout) as { redisUrl: string; redis: { pid: number }; worker: { pid: number } };
    expect(report.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(report.redisUrl).not.toMatch(/:6379$/);
    expect(await kingly(['run', '-f', 'echo tcp'], env)).toEqual({ exitCode: 0, stdout: 'tcp\n', stderr: '' });
    expect((await kingly(['down'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    await expectNoStackProcess(home, [report.redis.pid, report.worker.pid]);
  }, 180_000);

  it('without redis-server on PATH: one line saying how to get it, and no PM2 daemon started', async () => {
    const { home, env } = stackEnv();
    const result = await kingly(['run', 'true'], { ...env, PATH: dirname(process.execPath) });
    expect(result.exitCode).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('redis-server is not installed');
    expect(result.stderr).toContain('apt-get install redis-server');
    expect(result.stderr).toContain('brew install redis');
    expect(result.stderr).toContain('KINGLY_REDIS_URL');
    await expectNoStackProcess(home);
  });
});

describe('--pm2-home: the stack joins a PM2 of the user', () => {
  const pm2Dir = tempDir('kingly-cli-pm2home');
  const pm2 = (args: readonly string[]) => execa(process.execPath, [PM2_BIN, ...args], { env: cleanEnv({ PM2_HOME: pm2Dir.path }), extendEnv: false, timeout: 60_000 });
  const jlist = async (): Promise<Array<{ name: string; pid: number; pm2_env: { status: string } }>> =>
    JSON.parse((await pm2(['jlist'])).stdout) as Array<{ name: string; pid: number; pm2_env: { status: string } }>;

  afterAll(async () => {
    await pm2(['kill']).catch(() => undefined);
    await waitFor(() => pidsWithCommandLine(pm2Dir.path).length === 0, { timeoutMs: 30_000, message: `the PM2 daemon of ${pm2Dir.path} to be gone` });
    pm2Dir.remove();
  }, 120_000);

  it("up --pm2-home: kingly's apps sit beside the user's in pm2 ls; down removes only kingly's", async () => {
    await pm2(['start', 'sleep', '--name', 'users-own', '--', '600']);
    const { home, env } = stackEnv();
    const up = await kingly(['up', '--json', '--no-api', '--pm2-home', pm2Dir.path], env, { timeoutMs: 120_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const report = JSON.parse(up.stdout) as { pm2Home: string; redis: { app: string; pid: number }; worker: { app: string; pid: number } };
    expect(report.pm2Home).toBe(pm2Dir.path);
    expect(report.redis.app).toMatch(/^kingly-redis-[0-9a-f]{8}$/);
    expect(report.worker.app).toBe(report.redis.app.replace('redis', 'worker'));
    const names = (await jlist()).map((p) => p.name).sort();
    expect(names).toEqual([report.redis.app, report.worker.app, 'users-own'].sort());

    // Later commands find the stack under that PM2 home by themselves.
    expect(await kingly(['run', '-f', 'echo joined'], env)).toEqual({ exitCode: 0, stdout: 'joined\n', stderr: '' });
    expect((await daemons(env)).map((d) => [d.app, d.up])).toEqual([[report.redis.app, true], [report.worker.app, true]]);
    const elsewhere = await kingly(['up', '--pm2-home', join(home, 'other-pm2')], env);
    expect(elsewhere.exitCode).toBe(1);
    expect(elsewhere.stderr).toContain(`runs under the PM2 home ${pm2Dir.path}`);

    const down = await kingly(['down', '--json'], env, { timeoutMs: 120_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ daemonStopped: false, stopped: [{ name: 'worker' }, { name: 'redis' }] });
    const left = await jlist();
    expect(left.map((p) => [p.name, p.pm2_env.status])).toEqual([['users-own', 'online']]);
    await expectNoStackProcess(home, [report.redis.pid, report.worker.pid]);
  }, 180_000);
});
