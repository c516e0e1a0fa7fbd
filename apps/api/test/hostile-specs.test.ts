import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness, type ApiHarness } from './harness.js';

// JSON text, not JS strings: `\ud800` must reach the server as the escape (a JS lone surrogate
// would be sent as U+FFFD by the UTF-8 encoder before the API ever saw it).
describe('POST /api/jobs with hostile text', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await createApiHarness('api-hostile');
  });
  afterAll(async () => h.close());

  it.each([
    ['a lone surrogate in name', '{"command":"echo x","name":"\\ud800"}', /^name: is not well-formed text \(lone surrogate U\+D800 at index 0\)$/],
    ['a lone surrogate in command', '{"command":"echo \\udc00"}', /^command: is not well-formed text/],
    ['a lone surrogate in an env value', '{"command":"true","env":{"TOKEN":"s3cret\\ud83d"}}', /^env\.TOKEN: is not well-formed text/],
    ['a lone surrogate in an argv item', '{"argv":["echo","a","\\udfff"]}', /^argv\[2\]: is not well-formed text/],
    ['a NUL in cwd', '{"command":"true","cwd":"/tmp\\u0000x"}', /^cwd: contains a NUL byte/],
    ['a NUL in a tag', '{"command":"true","tags":["ok","a\\u0000"]}', /^tags\[1\]: contains a NUL byte/],
    ['a lone surrogate in worktree.ref', '{"command":"true","worktree":{"repo":"/tmp/r","ref":"main\\ud800"}}', /^worktree\.ref: is not well-formed text/],
  ])('400 naming the field for %s, nothing queued', async (_label, body, message) => {
    const res = await h.call({ method: 'POST', url: '/api/jobs', payload: body, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(message) });
    expect(res.body).not.toContain('s3cret');
    expect(await (await h.client.queue()).count()).toBe(0);
  });

  it('400 naming the field for a command over the exec string limit', async () => {
    const res = await h.call({ method: 'POST', url: '/api/jobs', payload: { command: `echo ${'x'.repeat(200_000)}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'E_BAD_INPUT', message: 'command: is 200005 bytes; the limit is 131071' });
  });
});
