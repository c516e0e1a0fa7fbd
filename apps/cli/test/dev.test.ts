import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, pidsWithEnv, tempDir, waitFor } from '@kingly/testing';
import { kingly, lines, workerForFile } from './helpers.js';

const { env } = workerForFile('dev', ['--concurrency', '4']);

/** A TCP server that greets each connection, on $PORT; it says so on stdout. */
const SERVER = `require('node:net').createServer((s) => s.on('error', () => {}).end('hi ' + process.cwd())).listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT));\n`;

interface DevStatusJson {
  name: string;
  state: string;
  id: string | null;
  pid: number | null;
  port: number | null;
  portAnswers: boolean | null;
  restarts: number;
  otherCopies: Array<{ id: string; cwd: string; port: number }>;
}

/** A project directory with the server and a kingly.config.json defining it as `web`. */
function project(root: string, name: string, port: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.js'), SERVER);
  writeFileSync(join(dir, 'kingly.config.json'), JSON.stringify({ dev: { web: { command: 'node server.js', port, restartDelay: '100ms' } } }));
  return dir;
}

/** What the server on the port says, or undefined when nothing answers. */
const greeting = (port: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    let data = '';
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (d) => (data += d.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => resolve(data || undefined));
  });

const devStatus = async (cwd: string): Promise<DevStatusJson> => {
  const result = await kingly(['dev', 'status', '--json'], env, { cwd });
  expect(result.exitCode, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as DevStatusJson[])[0]!;
};

const root = tempDir('kingly-cli-dev-projects');

// Runs before the worker stops (after-hooks run last-registered first).
afterAll(async () => {
  for (const dir of ['a', 'b', 'pkg']) await kingly(['dev', 'stop', '--grace', '1s'], env, { cwd: join(root.path, dir) }).catch(() => undefined);
  root.remove();
}, 60_000);

describe('kingly dev', () => {
  let port: number;
  let a: string;
  let b: string;

  beforeAll(async () => {
    port = await freePort();
    a = project(root.path, 'a', port);
    b = project(root.path, 'b', port);
  });

  it('start runs the server with its port as PORT; the port answers; start again says it runs', async () => {
    const start = await kingly(['dev', 'start'], env, { cwd: a });
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toMatch(new RegExp(`^dev server 'web' started \\(job (\\S+), pid \\d+, port ${port}\\)`));
    const id = /job (\S+),/.exec(start.stdout)![1]!;
    await waitFor(async () => (await greeting(port)) === `hi ${a}`, { timeoutMs: 20_000, message: `the dev server to answer on port ${port}` });

    const again = await kingly(['dev', 'start', 'web'], env, { cwd: a });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain(`dev server 'web' is already running (job ${id}`);
    expect((await kingly(['jobs', '--json', '--name', 'dev:web', '--state', 'running'], env)).stdout).toContain(id);

    const status = await devStatus(a);
    expect(status).toMatchObject({ name: 'web', state: 'running', id, port, portAnswers: true, restarts: 0 });
    const text = await kingly(['dev', 'status'], env, { cwd: a });
    expect(text.stdout).toMatch(new RegExp(`^web\\s+running\\s+${id}\\s+\\d+\\s+${port}\\s+yes`, 'm'));
    const logs = await kingly(['dev', 'logs'], env, { cwd: a });
    expect(logs.stdout).toBe(`listening on ${port}\n`);
    expect(logs.stderr).toContain(`PORT=${port}`);
  });

  it('comes back after its process is killed with SIGKILL, and answers again; one log across restarts', async () => {
    const before = await devStatus(a);
    process.kill(before.pid!, 'SIGKILL');
    const after = await waitFor(
      async () => {
        const s = await devStatus(a);
        return s.restarts >= 1 && s.pid !== before.pid && s.portAnswers ? s : undefined;
      },
      { timeoutMs: 20_000, message: 'the dev server to be restarted and answer again' },
    );
    expect(after).toMatchObject({ id: before.id, port, state: 'running' });
    expect(await greeting(port)).toBe(`hi ${a}`);
    const logs = await kingly(['dev', 'logs', 'web'], env, { cwd: a });
    expect(lines(logs.stdout)).toEqual([`listening on ${port}`, `listening on ${port}`]);
    expect(logs.stderr).toMatch(/restarting in/);
  });

  it('a copy of the same definition from another directory gets another port of the range', async () => {
    const start = await kingly(['dev', 'start', '--json'], env, { cwd: b });
    expect(start.exitCode, start.stderr).toBe(0);
    const { started, record } = (JSON.parse(start.stdout) as Array<{ started: boolean; record: { port: number; cwd: string } }>)[0]!;
    expect(started).toBe(true);
    expect(record.cwd).toBe(b);
    expect(record.port).not.toBe(port);
    expect(record.port).toBeGreaterThan(port);
    expect(record.port).toBeLessThanOrEqual(port + 99);
    await waitFor(async () => (await greeting(record.port)) === `hi ${b}`, { timeoutMs: 20_000, message: `the second copy to answer on ${record.port}` });
    expect(await greeting(port)).toBe(`hi ${a}`);
    const status = await devStatus(a);
    expect(status.otherCopies).toEqual([{ id: expect.any(String), cwd: b, port: record.port }]);
  });

  it('stop kills the tree and frees the port; stop again says it is not running', async () => {
    for (const [dir, expected] of [[a, port], [b, undefined]] as const) {
      const before = await devStatus(dir);
      const stop = await kingly(['dev', 'stop', '--grace', '1s'], env, { cwd: dir });
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(stop.stdout).toMatch(new RegExp(`^stopped dev server 'web' \\(job ${before.id}: cancelled \\(SIGTERM\\)\\); port ${expected ?? before.port} is free`));
      expect(await greeting(before.port!)).toBeUndefined();
      expect(pidsWithEnv('KINGLY_JOB_ID', before.id!)).toEqual([]);
      expect(isAlive(before.pid!)).toBe(false);
    }
    const again = await kingly(['dev', 'stop'], env, { cwd: a });
    expect(again).toMatchObject({ exitCode: 0, stdout: "dev server 'web' is not running\n" });
    expect(await devStatus(a)).toMatchObject({ state: 'stopped', id: null, portAnswers: null });
  });

  it('restart stops and starts; with no kingly.config.json, the dev script of package.json is the server', async () => {
    const dir = join(root.path, 'pkg');
    mkdirSync(dir);
    const pkgPort = await freePort();
    writeFileSync(join(dir, 'server.js'), SERVER);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', scripts: { dev: `PORT=${pkgPort} node server.js` } }));
    const start = await kingly(['dev', 'start'], env, { cwd: dir });
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toContain("dev server 'my-app' started");
    await waitFor(async () => (await greeting(pkgPort)) === `hi ${dir}`, { timeoutMs: 30_000, message: 'npm run dev to answer' });
    const first = await devStatus(dir);
    const restart = await kingly(['dev', 'restart', 'my-app', '--grace', '1s'], env, { cwd: dir });
    expect(restart.exitCode, restart.stderr).toBe(0);
    expect(lines(restart.stdout)[0]).toMatch(/^stopped dev server 'my-app'/);
    expect(lines(restart.stdout)[1]).toMatch(/^dev server 'my-app' started/);
    const second = await devStatus(dir);
    expect(second.id).not.toBe(first.id);
    expect(pidsWithEnv('KINGLY_JOB_ID', first.id!)).toEqual([]);
    const stop = await kingly(['dev', 'stop'], env, { cwd: dir });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(pidsWithEnv('KINGLY_JOB_ID', second.id!)).toEqual([]);
  });

  it('says what is missing: no server defined, an unknown name', async () => {
    const empty = join(root.path, 'empty');
    mkdirSync(empty);
    const none = await kingly(['dev', 'start'], env, { cwd: empty });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("no dev server is defined");
    const unknown = await kingly(['dev', 'status', 'api'], env, { cwd: a });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("no dev server named 'api'; defined: web");
  });
});
