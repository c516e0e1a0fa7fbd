import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../dist/index.js';
import { createApiHarness, TOKEN, type ApiHarness } from './harness.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('failed logins never lock out the owner', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    // The defaults: 20 failures a minute.
    h = await createApiHarness('api-lockout');
  });
  afterAll(async () => h.close());

  it('after 25 wrong tokens from 127.0.0.1 the right token, cookie and login form still work; a wrong one gets 429', async () => {
    const from = { remoteAddress: '127.0.0.1' };
    const login = await h.app.inject({ method: 'POST', url: '/login', payload: `token=${TOKEN}`, headers: FORM, ...from });
    const cookie = [login.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;

    const answers: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      answers.push((await h.app.inject({ url: '/api/status', headers: { authorization: `Bearer wrong-${i}` }, ...from })).statusCode);
    }
    expect(answers.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(answers.slice(20)).toEqual(Array(5).fill(429));

    expect((await h.app.inject({ url: '/api/status', headers: { authorization: `Bearer ${TOKEN}` }, ...from })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/status', headers: { cookie }, ...from })).statusCode).toBe(200);
    const again = await h.app.inject({ method: 'POST', url: '/login', payload: `token=${TOKEN}&next=%2Fboard`, headers: { ...FORM, accept: 'text/html' }, ...from });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/board');

    const wrong = await h.app.inject({ url: '/api/status', headers: { authorization: 'Bearer still-wrong' }, ...from });
    expect(wrong.statusCode).toBe(429);
    expect(wrong.json()).toMatchObject({ statusCode: 429, code: 'E_RATE_LIMITED' });
    expect(Number(wrong.headers['retry-after'])).toBeGreaterThan(0);
    const wrongLogin = await h.app.inject({ method: 'POST', url: '/login', payload: 'token=nope', headers: { ...FORM, accept: 'text/html' }, ...from });
    expect(wrongLogin.statusCode).toBe(429);
  });
});

describe('where login sends the browser (next)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await createApiHarness('api-next');
  });
  afterAll(async () => h.close());

  const HOSTILE = [
    '/\t/evil.example',
    '/%09/evil.example',
    '/\n/evil.example',
    '/\r/evil.example',
    '/\r\nSet-Cookie: x=1',
    '/\\evil.example',
    '/\\\\evil.example',
    '//evil.example',
    '/%2F/evil.example',
    '/%2f%2fevil.example',
    '/%5Cevil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/\u0000x',
    '/\u007f/evil.example',
    '/%E0%A4%A',
    ' /evil',
  ];

  /** A Location that stays on this server: one path, no control character, no backslash. */
  const expectSafe = (location: unknown, what: string): void => {
    expect(typeof location, what).toBe('string');
    const value = location as string;
    expect(value, what).toMatch(/^\/(?![/\\])/);
    expect(value, what).not.toMatch(/[\u0000-\u001f\u007f\\]/);
    expect(new URL(value, 'http://kingly.test').host, what).toBe('kingly.test');
    expect(decodeURIComponent(value), what).not.toMatch(/^\/[/\\]|[\u0000-\u001f\u007f\\]/);
  };

  it.each(HOSTILE)('next=%j: Location stays on this server, never a 5xx', async (next) => {
    const res = await h.app.inject({ method: 'POST', url: '/login', payload: new URLSearchParams({ token: TOKEN, next }).toString(), headers: FORM });
    expect(res.statusCode).toBe(303);
    expectSafe(res.headers.location, next);
    expect(res.headers.location).toBe('/');
    const page = await h.app.inject({ url: `/login?next=${encodeURIComponent(next)}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="next" value="/"');
  });

  it('any next (random text, slashes, backslashes, escapes, controls): a Location on this server, never a 5xx', async () => {
    const piece = fc.oneof(
      fc.constantFrom('/', '//', '\\', '%2F', '%5C', '%09', '%0A', '%', '%E0', '\t', '\n', '\r', '\u0000', '\u007f', ':', '?', '#', '.', '..', '@', 'evil.example'),
      fc.string({ unit: 'binary', maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')), async (next) => {
        const res = await h.app.inject({ method: 'POST', url: '/login', payload: new URLSearchParams({ token: TOKEN, next }).toString(), headers: FORM });
        expect(res.statusCode).toBe(303);
        expectSafe(res.headers.location, next);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a same-origin path with its query', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/login', payload: new URLSearchParams({ token: TOKEN, next: '/board/queue/commands?status=failed' }).toString(), headers: FORM });
    expect(res.headers.location).toBe('/board/queue/commands?status=failed');
    const unicode = await h.app.inject({ method: 'POST', url: '/login', payload: new URLSearchParams({ token: TOKEN, next: '/board/queue/日本' }).toString(), headers: FORM });
    expect(unicode.statusCode).toBe(303);
    expect(unicode.headers.location).toBe('/board/queue/%E6%97%A5%E6%9C%AC');
  });
});
