import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness, waitForState, type ApiHarness } from './harness.js';

const MAX = '18446744073709551615'; // 2^64 - 1, the largest part of a Redis stream id

describe('bad stream ids and URL escapes are a 400 naming the parameter, never a 500', () => {
  let h: ApiHarness;
  let id: string;
  beforeAll(async () => {
    h = await createApiHarness('api-bad-input');
    ({ id } = await h.client.enqueue({ command: 'true' }));
  });
  afterAll(async () => h.close());

  const expectBadInput = (res: { statusCode: number; json(): unknown }, names: string): void => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'E_BAD_INPUT', error: 'Bad Request', message: expect.stringContaining(names) });
  };

  it.each([`99999999999999999999999-0`, `0-99999999999999999999999`, `18446744073709551616-0`, `${MAX}-${MAX}`, `1-${'0'.repeat(30)}`])(
    'from=%s on /api/jobs/:id/logs (JSON and SSE)',
    async (from) => {
      expectBadInput(await h.call(`/api/jobs/${id}/logs?from=${from}`), 'query parameter from');
      expectBadInput(await h.call({ url: `/api/jobs/${id}/logs?from=${from}`, headers: { accept: 'text/event-stream' } }), 'query parameter from');
    },
  );

  it('the largest ids Redis takes are fine', async () => {
    for (const from of [`${MAX}-0`, `0-${MAX}`, `${MAX}-${BigInt(MAX) - 1n}`, '0', '0-0']) {
      const res = await h.call(`/api/jobs/${id}/logs?from=${from}`);
      expect(res.statusCode, from).toBe(200);
    }
  });

  it('any from= made of digits and dashes is a 200 or a 400 naming from, never a 500', async () => {
    // An ended job, so a valid id gives an event stream that ends by itself.
    const { id: ended } = await h.client.enqueue({ command: 'true' });
    await h.client.cancel(ended);
    await waitForState(h.client, ended, ['cancelled']);
    const part = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String), fc.stringMatching(/^[0-9-]{0,25}$/));
    await fc.assert(
      fc.asyncProperty(part, part, fc.boolean(), async (ms, seq, sse) => {
        const from = `${ms}-${seq}`;
        const res = await h.call({ url: `/api/jobs/${ended}/logs?from=${encodeURIComponent(from)}`, headers: sse ? { 'last-event-id': from, accept: 'text/event-stream' } : {} });
        if (res.statusCode === 400) expect(res.json().message).toMatch(/^(query parameter from|header Last-Event-ID):/);
        else expect(res.statusCode).toBe(200);
        expect(res.body).not.toContain('event: error');
      }),
      { numRuns: 200 },
    );
  });

  it('Last-Event-ID out of range on the log and event streams', async () => {
    const headers = { accept: 'text/event-stream', 'last-event-id': '99999999999999999999999-0' };
    expectBadInput(await h.call({ url: `/api/jobs/${id}/logs`, headers }), 'header Last-Event-ID');
    expectBadInput(await h.call({ url: '/api/events', headers }), 'header Last-Event-ID');
    expectBadInput(await h.call({ url: '/api/events', headers: { ...headers, 'last-event-id': 'not-an-id' } }), 'header Last-Event-ID');
  });

  it('since= out of range on /api/events', async () => {
    expectBadInput(await h.call('/api/events?since=99999999999999999999999-0'), 'query parameter since');
    expectBadInput(await h.call(`/api/events?since=${MAX}-${MAX}`), 'query parameter since');
  });

  it('malformed percent-escapes: Bull Board, the API, paths', async () => {
    expectBadInput(await h.call('/board/api/queues?activeQueue=%FF%FE'), 'query parameter activeQueue');
    // Bull Board decodes its query values a second time: a value that decodes to a bad escape is refused too.
    expectBadInput(await h.call('/board/api/queues?activeQueue=%25FF'), 'query parameter activeQueue');
    expectBadInput(await h.call('/api/jobs?name=%E0%A4%A'), 'query parameter name');
    expectBadInput(await h.call('/api/jobs/%FF'), 'path');
    expectBadInput(await h.call('/api/jobs/%FF/logs'), 'path');
    expect((await h.call('/board/api/queues?activeQueue=commands')).statusCode).toBe(200);
  });
});
