import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@kingly/testing';
import { buildApp, SESSION_COOKIE, startApiServer, type ApiServer } from '../dist/index.js';
import { createApiHarness, TOKEN, type ApiHarness } from './harness.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** GET over a real socket with any Host header (fetch would not let a test set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host, authorization: `Bearer ${TOKEN}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('no tokenless mode', () => {
  const redisUrl = inject('redisUrl');

  it('buildApp and startApiServer refuse to start without a token, on loopback too', async () => {
    const refused = { code: 'E_BAD_INPUT', message: expect.stringMatching(/^token: required/) };
    await expect(buildApp({ redisUrl, prefix: uniqueName('api-notoken') } as never)).rejects.toMatchObject(refused);
    await expect(buildApp({ redisUrl, token: '' })).rejects.toMatchObject(refused);
    await expect(startApiServer({ redisUrl, prefix: uniqueName('api-notoken'), host: '127.0.0.1', port: 0 } as never)).rejects.toMatchObject(refused);
  });

  it('refuses a token short enough to guess, naming the option and the length', async () => {
    await expect(buildApp({ redisUrl, token: 'hunter2' })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: 'token: is 7 characters; at least 16 are needed' });
  });
});

describe('the Host allow-list (DNS rebinding)', () => {
  let h: ApiHarness;
  let server: ApiServer;
  beforeAll(async () => {
    h = await createApiHarness('api-host', { allowedHosts: ['kingly.lan'] });
    server = await startApiServer({ redisUrl: h.redisUrl, prefix: h.prefix, token: TOKEN, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  it('refuses Host: evil.example:7077 on every route, /healthz included, naming the Host', async () => {
    for (const url of ['/api/status', '/healthz', '/login', '/', '/board/api/queues']) {
      const res = await h.call({ url, headers: { host: 'evil.example:7077' } });
      expect(res.statusCode, url).toBe(403);
      expect(res.json(), url).toMatchObject({ statusCode: 403, code: 'E_FORBIDDEN', message: expect.stringContaining("'evil.example:7077'") });
    }
    // A name that merely starts like an allowed one is not it.
    expect((await h.call({ url: '/api/status', headers: { host: 'localhost.evil.example' } })).statusCode).toBe(403);
    expect((await h.call({ url: '/api/status', headers: { host: 'kingly.lan.evil.example:80' } })).statusCode).toBe(403);
  });

  it('accepts loopback forms on any port, IP addresses and the configured names', async () => {
    for (const host of ['localhost', 'localhost:7077', '127.0.0.1:7077', '127.3.4.5:1', '[::1]:7077', 'LOCALHOST:80', 'kingly.lan', 'Kingly.LAN:8080', '192.168.1.10:7077']) {
      const res = await h.call({ url: '/api/status', headers: { host } });
      expect(res.statusCode, host).toBe(200);
    }
  });

  it('over a real socket: Host evil.example is refused, the address it listens on is not', async () => {
    const evil = await getWithHost(`${server.url}/api/status`, `evil.example:${server.port}`);
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringContaining(`'evil.example:${server.port}'`) });
    expect((await getWithHost(`${server.url}/healthz`, `evil.example:${server.port}`)).status).toBe(403);
    expect((await getWithHost(`${server.url}/api/status`, `127.0.0.1:${server.port}`)).status).toBe(200);
  });

  it('refuses a bad allowedHosts entry, naming it', async () => {
    await expect(buildApp({ redisUrl: h.redisUrl, token: TOKEN, allowedHosts: ['ok.example', 'not a host/'] })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringContaining('allowedHosts'),
    });
  });
});

describe('cross-site requests and form bodies', () => {
  let h: ApiHarness;
  let cookie: string;
  beforeAll(async () => {
    h = await createApiHarness('api-csrf');
    const login = await h.app.inject({ method: 'POST', url: '/login', payload: `token=${TOKEN}`, headers: FORM });
    cookie = [login.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
  });
  afterAll(async () => h.close());

  const noJobs = async (): Promise<void> => {
    expect(await h.client.listJobs({ limit: 10 })).toEqual([]);
    expect(await (await h.client.queue('commands')).count()).toBe(0);
  };

  it('/api answers 415 to a form body, even with the token or a same-origin session', async () => {
    const withToken = await h.call({ method: 'POST', url: '/api/jobs', payload: 'command=echo+pwned', headers: FORM });
    expect(withToken.statusCode).toBe(415);
    expect(withToken.json()).toMatchObject({ statusCode: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' });
    const withCookie = await h.app.inject({
      method: 'POST',
      url: '/api/jobs',
      payload: 'command=echo+pwned',
      headers: { ...FORM, cookie, origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
    });
    expect(withCookie.statusCode).toBe(415);
    await noJobs();
  });

  it('a cross-site form POST with a valid session cookie never creates a job', async () => {
    for (const headers of [
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
    ]) {
      const res = await h.app.inject({ method: 'POST', url: '/api/jobs', payload: 'command=echo+pwned', headers: { ...FORM, cookie, ...headers } });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().code).toBe('E_FORBIDDEN');
    }
    await noJobs();
  });

  it('cross-site POST /login and POST /logout are refused; from the page itself they work', async () => {
    const cross = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    const login = await h.app.inject({ method: 'POST', url: '/login', payload: `token=${TOKEN}`, headers: { ...FORM, ...cross } });
    expect(login.statusCode).toBe(403);
    expect(login.headers['set-cookie']).toBeUndefined();
    const logout = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie, ...cross } });
    expect(logout.statusCode).toBe(403);
    expect(logout.headers['set-cookie']).toBeUndefined();

    const same = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };
    expect((await h.app.inject({ method: 'POST', url: '/login', payload: `token=${TOKEN}`, headers: { ...FORM, ...same } })).statusCode).toBe(303);
    expect((await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie, ...same } })).statusCode).toBe(303);
  });
});
