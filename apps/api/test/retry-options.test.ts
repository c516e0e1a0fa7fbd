import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KinglyClient } from '@kingly/cmd';
import { createApiHarness, waitForState, type ApiHarness } from './harness.js';

async function logLines(client: KinglyClient, id: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of client.followLogs(id, { follow: false })) lines.push(`${entry.stream}:${entry.line}`);
  return lines;
}

describe('POST /api/jobs: attempts and backoff', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await createApiHarness('api-retry');
    await h.startWorker();
  });
  afterAll(async () => h.close());

  it('go into the BullMQ job options, so BullMQ retries the job as the spec asks', async () => {
    const res = await h.call({ method: 'POST', url: '/api/jobs', payload: { command: 'echo run; exit 3', attempts: 2, backoff: { type: 'fixed', delayMs: 300 } } });
    expect(res.statusCode).toBe(201);
    const { id } = res.json() as { id: string };
    expect((await (await h.client.queue()).getJob(id))?.opts).toMatchObject({ attempts: 2, backoff: { type: 'fixed', delay: 300 } });
    const record = await waitForState(h.client, id, ['succeeded', 'failed', 'spawn-failed']);
    expect(record).toMatchObject({ state: 'failed', attempt: 2, attempts: 2 });
    expect(await logLines(h.client, id)).toContain('system:[kingly] attempt 1 of 2 exited with code 3; retrying in 300ms');
  });

  it('a backoff of an unknown type is a 400 naming backoff.type', async () => {
    const res = await h.call({ method: 'POST', url: '/api/jobs', payload: { command: 'true', attempts: 2, backoff: { type: 'linear', delayMs: 300 } } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/backoff/);
  });
});
