import { existsSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { cleanEnv, expectNoStackProcess, kingly, KINGLY_BIN, lines, PM2_BIN, stopStacks } from './helpers.js';

const homes: Array<{ path: string; remove: () => void }> = [];

/** A fresh KINGLY_HOME and an environment with no Redis URL and no API token: the local stack is used. */
function stackEnv(): { home: string; env: Record<string, string | undefined> } {
  const dir = tempDir('kingly-cli-api');
  homes.push(dir);
  return { home: dir.path, env: cleanEnv({ KINGLY_HOME: dir.path, KINGLY_PREFIX: uniqueName('cli-api') }) };
}

interface ApiReport {
  pid: number;
  app: string;
  url: string;
  token?: string;
  tokenSource: string;
  tokenFile?: string;
  note?: string;
}

interface UpReport {
  started: string[];
  redis: { pid: number };
  worker: { pid: number };
  api?: ApiReport;
}

async function up(env: Record<string, string | undefined>, args: readonly string[]): Promise<UpReport> {
  const result = await kingly(['up', '--json', ...args], env, { timeoutMs: 120_000 });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as UpReport;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown; response: Response }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, response };
}

const mode = (file: string): number => statSync(file).mode & 0o777;

/** No process of the stack (its PM2 daemon included) and no state file left. */
async function expectNothingLeft(home: string, pids: number[]): Promise<void> {
  await expectNoStackProcess(home, pids);
  expect(existsSync(join(home, 'run', 'stack.json'))).toBe(false);
}

afterAll(async () => {
  // A failed test may leave a stack running: stop it, then make sure.
  await stopStacks(homes.map((h) => h.path));
  for (const home of homes) home.remove();
}, 180_000);

describe('kingly up: the HTTP API as part of the local stack', () => {
  it('prints URL and token; the token guards /api; jobs run; restarts keep token and sessions; down leaves nothing', async () => {
    const { home, env } = stackEnv();
    const port = await freePort();
    const first = await up(env, ['--api-port', String(port)]);
    expect(first.started).toEqual(['redis', 'worker', 'api']);
    const api = first.api!;
    expect(api).toMatchObject({ url: `http://127.0.0.1:${port}`, tokenSource: 'file', tokenFile: join(home, 'api-token') });
    const token = api.token!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(readFileSync(join(home, 'api-token'), 'utf8').trim()).toBe(token);
    expect(mode(join(home, 'api-token'))).toBe(0o600);
    expect(mode(join(home, 'api-session-secret'))).toBe(0o600);
    expect(api.app).toBe('kingly-api');
    // The token reaches the daemon through its environment, never its (world-readable) command line.
    const commandLine = (await execa('ps', ['-o', 'args=', '-p', String(api.pid)])).stdout;
    expect(commandLine).toContain(' api --host 127.0.0.1');
    expect(commandLine).not.toContain(token);
    // Nor in the app PM2 keeps (`pm2 save` writes it to a file): the API reads the token file itself.
    const apps = (await execa(process.execPath, [PM2_BIN, 'jlist'], { env: cleanEnv({ PM2_HOME: join(home, 'pm2') }), extendEnv: false })).stdout;
    expect(apps).toContain('"name":"kingly-api"');
    expect(apps).not.toContain(token);

    expect((await call(`${api.url}/healthz`)).status).toBe(200);
    const anonymous = await call(`${api.url}/api/status`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'E_UNAUTHORIZED' });
    expect((await call(`${api.url}/api/status`, { headers: bearer('not-the-token') })).status).toBe(401);
    const status = await call(`${api.url}/api/status`, { headers: bearer(token) });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ workers: [expect.objectContaining({ pid: first.worker.pid })] });

    const created = await call(`${api.url}/api/jobs`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'echo made through the api', cwd: '/' }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body as { id: string }).id;
    const done = await waitFor(
      async () => {
        const job = await call(`${api.url}/api/jobs/${id}`, { headers: bearer(token) });
        return (job.body as { state?: string }).state === 'succeeded' ? job.body : undefined;
      },
      { timeoutMs: 60_000, message: `job ${id} posted to the stack's API to succeed` },
    );
    expect(done).toMatchObject({ id, command: 'echo made through the api' });
    const show = await kingly(['show', '--json', id], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, state: 'succeeded' });

    // A login session, to see it survive a restart of the API.
    const login = await call(`${api.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(login.status).toBe(303);
    const cookie = login.response.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await call(`${api.url}/api/status`, { headers: { cookie } })).status).toBe(200);

    // Running already: nothing started, the same daemon and token.
    const again = await up(env, ['--api-port', String(port)]);
    expect(again.started).toEqual([]);
    expect(again.api).toMatchObject({ pid: api.pid, url: api.url, token });
    expect(again.api!.note).toBeUndefined();

    const down = await kingly(['down', '--json'], env, { timeoutMs: 120_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    expect((JSON.parse(down.stdout) as { stopped: Array<{ name: string }> }).stopped.map((s) => s.name)).toEqual(['api', 'worker', 'redis']);
    await expectNothingLeft(home, [first.redis.pid, first.worker.pid, api.pid]);
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();

    // Up again: the same token from the file, and the session cookie still opens the API.
    const restarted = await up(env, ['--api-port', String(port)]);
    expect(restarted.started).toEqual(['redis', 'worker', 'api']);
    expect(restarted.api).toMatchObject({ url: api.url, token });
    expect(restarted.api!.pid).not.toBe(api.pid);
    expect((await call(`${api.url}/api/status`, { headers: { cookie } })).status).toBe(200);
    expect((await kingly(['down'], env, { timeoutMs: 120_000 })).exitCode).toBe(0);
    await expectNothingLeft(home, [restarted.redis.pid, restarted.worker.pid, restarted.api!.pid]);
  }, 300_000);

  it('a taken port fails before anything starts, naming the port and how to choose another; --no-api skips the API', async () => {
    const { home, env } = stackEnv();
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const taken = await kingly(['up', '--api-port', String(port)], env, { timeoutMs: 120_000 });
      expect(taken.exitCode).toBe(1);
      expect(lines(taken.stderr)).toHaveLength(1);
      expect(taken.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(taken.stderr).toContain('--api-port');
      expect(taken.stderr).toContain('KINGLY_API_PORT');
      // Its PM2 daemon, started to look, stopped again: nothing is left.
      await expectNoStackProcess(home);

      // The same through KINGLY_API_PORT.
      const viaEnv = await kingly(['up'], { ...env, KINGLY_API_PORT: String(port) }, { timeoutMs: 120_000 });
      expect(viaEnv.exitCode).toBe(1);
      expect(viaEnv.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    const bad = await kingly(['up'], { ...env, KINGLY_API_PORT: 'seventy' });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("KINGLY_API_PORT must be a whole number from 1 to 65535, got 'seventy'");

    const noApi = await up(env, ['--no-api']);
    expect(noApi.started).toEqual(['redis', 'worker']);
    expect(noApi.api).toBeUndefined();
    const down = await kingly(['down', '--json'], env, { timeoutMs: 120_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    expect((JSON.parse(down.stdout) as { stopped: Array<{ name: string }> }).stopped.map((s) => s.name)).toEqual(['worker', 'redis']);
    await expectNothingLeft(home, [noApi.redis.pid, noApi.worker.pid]);
  }, 300_000);
});

describe('kingly api in the foreground', () => {
  const start = (args: readonly string[], env: Record<string, string | undefined>) => {
    const child = execa(process.execPath, [KINGLY_BIN, 'api', ...args], { env, extendEnv: false, reject: false, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return { child, stderr: () => stderr };
  };

  it('serves the test Redis with KINGLY_API_TOKEN, never prints the token, and exits 0 on SIGTERM', async () => {
    const { env } = stackEnv();
    const port = await freePort();
    const token = `t-${uniqueName('token')}`;
    const prefix = uniqueName('cli-api-fg');
    const { child, stderr } = start(['--port', String(port), '--redis-url', inject('redisUrl'), '--prefix', prefix], { ...env, KINGLY_API_TOKEN: token });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHealthz(child, stderr, url, port);
      expect((await call(`${url}/api/status`)).status).toBe(401);
      expect((await call(`${url}/api/status`, { headers: bearer(token) })).status).toBe(200);
      // Queued only (no worker on this prefix), but on this prefix: the CLI sees it there.
      const created = await call(`${url}/api/jobs`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'true', cwd: '/' }),
      });
      expect(created.status).toBe(201);
      const show = await kingly(['show', '--json', (created.body as { id: string }).id], { ...env, KINGLY_REDIS_URL: inject('redisUrl'), KINGLY_PREFIX: prefix });
      expect(JSON.parse(show.stdout)).toMatchObject({ state: 'queued' });
    } finally {
      child.kill('SIGTERM');
    }
    const result = await child;
    expect(result.exitCode, stderr()).toBe(0);
    expect(stderr()).toContain(`kingly api on http://127.0.0.1:${port}`);
    expect(stderr()).toContain('token from $KINGLY_API_TOKEN');
    expect(stderr()).not.toContain(token);
  }, 120_000);

  it('kingly api --help prints usage and an example; a bad --port is a usage error', async () => {
    const { env } = stackEnv();
    const help = await kingly(['api', '--help'], env);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kingly api/);
    expect(help.stdout).toContain('Examples:');
    const bad = await kingly(['api', '--port', '70000'], env);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("expected a whole number from 0 to 65535, got '70000'");
  });

  it('without a token, kingly api makes one (mode 0600, never printed) and /api needs it; it answers only the Host names it knows', async () => {
    const { home, env } = stackEnv();
    const port = await freePort();
    const args = ['--port', String(port), '--redis-url', inject('redisUrl'), '--prefix', uniqueName('cli-api-made'), '--allowed-host', 'kingly.test'];
    const { child, stderr } = start(args, { ...env, KINGLY_API_ALLOWED_HOSTS: 'other.test, third.test' });
    const tokenFile = join(home, 'api-token');
    let token = '';
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHealthz(child, stderr, url, port);
      expect(mode(tokenFile)).toBe(0o600);
      token = readFileSync(tokenFile, 'utf8').trim();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url, as kingly up makes
      expect((await call(`${url}/api/status`)).status).toBe(401);
      expect((await call(`${url}/api/status`, { headers: bearer(token) })).status).toBe(200);
      // DNS rebinding: a name it was not given is refused; the flag's and the variable's names are answered.
      expect(await statusWithHost(`${url}/api/status`, `evil.example:${port}`, token)).toBe(403);
      for (const host of [`kingly.test:${port}`, 'other.test', `third.test:${port}`]) expect(await statusWithHost(`${url}/api/status`, host, token), host).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect((await child).exitCode, stderr()).toBe(0);
    expect(stderr()).toContain(`made one in ${tokenFile} (mode 0600)`);
    expect(stderr()).not.toContain(token);

    // The next start takes the file it made.
    const again = start(['--port', String(port), '--redis-url', inject('redisUrl'), '--prefix', uniqueName('cli-api-made')], env);
    try {
      await waitForHealthz(again.child, again.stderr, `http://127.0.0.1:${port}`, port);
    } finally {
      again.child.kill('SIGTERM');
    }
    expect((await again.child).exitCode, again.stderr()).toBe(0);
    expect(again.stderr()).toContain(`token from ${tokenFile}`);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);
  }, 120_000);
});

/** The status of a GET with any Host header, over a real socket (fetch will not set Host). */
function statusWithHost(url: string, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host, authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits until a foreground `kingly api` answers /healthz; fails at once if it exited. */
async function waitForHealthz(child: { exitCode: number | null }, stderr: () => string, url: string, port: number): Promise<void> {
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`kingly api exited ${child.exitCode}: ${stderr()}`);
      return (await call(`${url}/healthz`)).status === 200;
    },
    { timeoutMs: 60_000, message: `kingly api to answer /healthz on port ${port}` },
  );
}
