import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@kingly/testing';
import { buildApp, isLoopbackHost, startApiServer, SESSION_COOKIE } from '../dist/index.js';
import { createApiHarness, TOKEN, type ApiHarness } from './harness.js';

const PROTECTED: Array<[string, string]> = [
  ['GET', '/api/jobs'],
  ['POST', '/api/jobs'],
  ['GET', '/api/jobs/abc'],
  ['DELETE', '/api/jobs/abc'],
  ['GET', '/api/jobs/abc/logs'],
  ['GET', '/api/workers'],
  ['GET', '/api/status'],
  ['GET', '/api/events'],
  ['GET', '/metrics'],
  ['GET', '/board/api/queues'],
  ['GET', '/docs/json'],
  ['GET', '/page/app.js'],
  ['GET', '/page/vendor/ansi_up.js'],
];

const cookieFrom = (setCookie: string | string[] | undefined): string => {
  const header = [setCookie ?? []].flat().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!header) throw new Error(`no ${SESSION_COOKIE} cookie in ${JSON.stringify(setCookie)}`);
  return header;
};

describe('auth', () => {
  let h: ApiHarness;
  const logged: string[] = [];
  beforeAll(async () => {
    // Every log line is kept, to check no token or cookie is ever written.
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(chunk.toString()), done()) });
    h = await createApiHarness('api-auth', { logger: { level: 'trace', stream: sink }, authFailureLimit: 5, authFailureWindowMs: 60_000 });
  });
  afterAll(async () => h.close());

  it.each(PROTECTED)('%s %s needs credentials: 401 with the error body', async (method, url) => {
    const res = await h.app.inject({ method: method as 'GET', url, remoteAddress: '10.0.0.1' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="kingly"');
    expect(res.json()).toMatchObject({ statusCode: 401, code: 'E_UNAUTHORIZED', error: 'Unauthorized', message: 'authentication required' });
  });

  it('GET /healthz is open; GET /login is open', async () => {
    const health = await h.app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', redis: 'ok' });
    const login = await h.app.inject('/login');
    expect(login.statusCode).toBe(200);
    expect(login.headers['content-type']).toMatch(/^text\/html/);
    expect(login.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('a browser without a session is sent to the login page, keeping where it was going', async () => {
    for (const url of ['/', '/board', '/board/queue/commands', '/docs']) {
      const res = await h.app.inject({ url, headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(res.statusCode, url).toBe(302);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
  });

  it('the bearer token opens every protected route', async () => {
    for (const url of ['/api/status', '/api/workers', '/api/jobs', '/metrics', '/board/api/queues', '/docs/json']) {
      const res = await h.call(url);
      expect(res.statusCode, url).toBe(200);
    }
  });

  it('login trades the token for an httpOnly SameSite=Strict session cookie that opens pages, the API and the board', async () => {
    const wrong = await h.app.inject({ method: 'POST', url: '/login', payload: 'token=nope&next=%2Fboard', headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: '10.0.0.2' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That token is not right.');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const ok = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: `token=${TOKEN}&next=%2Fboard`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      remoteAddress: '10.0.0.2',
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/board');
    const setCookie = cookieFrom(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;

    for (const url of ['/', '/page/app.js', '/board', '/api/status', '/board/api/queues', '/docs']) {
      const res = await h.app.inject({ url, headers: { cookie, accept: 'text/html' } });
      expect(res.statusCode, url).toBeLessThan(300);
    }
    const page = await h.app.inject({ url: '/', headers: { cookie } });
    expect(page.body).toContain('<script type="module" src="/page/app.js">');

    // A state-changing request made from another site with the cookie is refused (CSRF).
    const csrf = await h.app.inject({ method: 'DELETE', url: '/api/jobs/abc', headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(csrf.statusCode).toBe(403);
    expect(csrf.json().code).toBe('E_FORBIDDEN');
    // The same request from the page itself goes through (404: no such job).
    const same = await h.app.inject({ method: 'DELETE', url: '/api/jobs/abc', headers: { cookie, origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' } });
    expect(same.statusCode).toBe(404);

    // Logging out clears the cookie.
    const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    expect(out.statusCode).toBe(303);
    expect(cookieFrom(out.headers['set-cookie'])).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
  });

  it('a forged or expired cookie is refused and cleared', async () => {
    const forged = `${SESSION_COOKIE}=${Date.now() + 3_600_000}.${'A'.repeat(43)}`;
    const res = await h.app.inject({ url: '/api/status', headers: { cookie: forged }, remoteAddress: '10.0.0.3' });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('wrong or expired credentials');
    expect(cookieFrom(res.headers['set-cookie'])).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    // Sessions are signed per app: another app's cookie does not open this one.
    const other = await buildApp({ redisUrl: h.redisUrl, prefix: h.prefix, token: TOKEN });
    try {
      const login = await other.inject({ method: 'POST', url: '/login', payload: { token: TOKEN } });
      const cookie = cookieFrom(login.headers['set-cookie']).split(';')[0]!;
      expect((await other.inject({ url: '/api/status', headers: { cookie } })).statusCode).toBe(200);
      expect((await h.app.inject({ url: '/api/status', headers: { cookie }, remoteAddress: '10.0.0.3' })).statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('rate-limits failed authentication per address: past the limit wrong credentials get 429, the right token still passes', async () => {
    const from = { remoteAddress: '10.9.9.9' };
    for (let i = 0; i < 5; i += 1) {
      const res = await h.app.inject({ url: '/api/status', headers: { authorization: `Bearer wrong-${i}` }, ...from });
      expect(res.statusCode).toBe(401);
    }
    const limited = await h.app.inject({ url: '/api/status', headers: { authorization: 'Bearer wrong-again' }, ...from });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ statusCode: 429, code: 'E_RATE_LIMITED', error: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const login = await h.app.inject({ method: 'POST', url: '/login', payload: { token: 'wrong' }, headers: { accept: 'text/html' }, ...from });
    expect(login.statusCode).toBe(429);
    expect((await h.app.inject({ url: '/api/status', headers: { authorization: `Bearer ${TOKEN}` }, ...from })).statusCode).toBe(200);
    // Other addresses are not affected, and requests without credentials are not counted.
    expect((await h.app.inject({ url: '/api/status', headers: { authorization: 'Bearer wrong' }, remoteAddress: '10.9.9.8' })).statusCode).toBe(401);
    for (let i = 0; i < 10; i += 1) expect((await h.app.inject({ url: '/api/status', remoteAddress: '10.9.9.7' })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/api/status', headers: { authorization: 'Bearer wrong' }, remoteAddress: '10.9.9.7' })).statusCode).toBe(401);
  });

  it('never writes the token or a session cookie to the log', async () => {
    const login = await h.app.inject({ method: 'POST', url: '/login', payload: { token: TOKEN } });
    const cookie = cookieFrom(login.headers['set-cookie']).split(';')[0]!;
    await h.app.inject({ url: '/api/status', headers: { cookie } });
    await h.call('/api/status');
    const text = logged.join('');
    expect(text).toContain('"url":"/api/status"');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(cookie.split('=')[1]!);
  });
});

describe('listening', () => {
  const redisUrl = inject('redisUrl');

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('isLoopbackHost(%s) is %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('refuses to listen without a token, on any address, before opening anything', async () => {
    for (const host of ['0.0.0.0', '127.0.0.1']) {
      await expect(startApiServer({ redisUrl, prefix: uniqueName('api-listen'), host, port: 0 } as never)).rejects.toMatchObject({
        code: 'E_BAD_INPUT',
        message: expect.stringMatching(/^token: required/),
      });
    }
    await expect(startApiServer({ redisUrl, token: TOKEN, host: '127.0.0.1', port: 70000 })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
  });

  it('listens on loopback with a token; a second server on the same port is a conflict', async () => {
    const server = await startApiServer({ redisUrl, prefix: uniqueName('api-open'), token: TOKEN, host: '127.0.0.1', port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${server.url}/api/status`)).status).toBe(401);
      expect((await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await fetch(`${server.url}/login`, { redirect: 'manual' })).status).toBe(200);
      // A second server on the same port is a conflict, said plainly.
      await expect(startApiServer({ redisUrl, token: TOKEN, host: '127.0.0.1', port: server.port })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    } finally {
      await server.close();
    }
  });
});
