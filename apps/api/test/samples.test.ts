import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@kingly/testing';
import { createApiHarness, fixturePath, waitForState, type ApiHarness } from './harness.js';

interface Point { t: number; cpuPercent: number; rssBytes: number; processCount: number }

// GET /api/jobs/:id/samples: the contract the live page's charts draw from.
describe('GET /api/jobs/:id/samples', () => {
  let h: ApiHarness;
  const dir = tempDir('kingly-api-samples');
  beforeAll(async () => {
    h = await createApiHarness('api-samples');
    await h.startWorker({ sampleIntervalMs: 200 });
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  it("answers a running job's growing history, and keeps it once the job ended", async () => {
    const gate = join(dir.path, 'gate');
    const { id } = await h.client.enqueue({ command: `node ${fixturePath('gated.cjs')}`, env: { BURN: '1', GATE: gate } });
    const points = async (): Promise<Point[]> => {
      const res = await h.call(`/api/jobs/${id}/samples`);
      expect(res.statusCode).toBe(200);
      return (res.json() as { samples: Point[] }).samples;
    };
    const first = await waitFor(async () => ((await points()).length >= 2 ? points() : undefined), { timeoutMs: 20_000, message: 'two points in the history' });
    const later = await waitFor(async () => {
      const now = await points();
      return now.length > first.length ? now : undefined;
    }, { timeoutMs: 20_000, message: 'the history to grow' });
    for (const p of later) expect(Object.keys(p).sort()).toEqual(['cpuPercent', 'processCount', 'rssBytes', 't']);
    expect(later.some((p) => p.cpuPercent > 0)).toBe(true);
    expect(later.every((p) => p.rssBytes > 1024 * 1024 && p.processCount >= 1)).toBe(true);
    expect(later[0]!.t).toBe(first[0]!.t);

    writeFileSync(gate, '');
    await waitForState(h.client, id, ['succeeded']);
    expect((await points()).length).toBeGreaterThanOrEqual(later.length);
  });

  it('is authenticated, 404 for an unknown id, 400 for a malformed one, [] for a queued job', async () => {
    const unauthenticated = await h.app.inject({ url: '/api/jobs/x/samples' });
    expect(unauthenticated.statusCode).toBe(401);
    const unknown = await h.call('/api/jobs/no-such-job/samples');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'E_JOB_NOT_FOUND' });
    for (const bad of ['a%00b', 'x'.repeat(300), '%E2%80']) {
      const res = await h.call(`/api/jobs/${bad}/samples`);
      expect(res.statusCode, bad).toBe(400);
    }
    const { id } = await h.client.enqueue({ command: 'true' }, { queue: 'unserved-samples' });
    const queued = await h.call(`/api/jobs/${id}/samples`);
    expect(queued.statusCode).toBe(200);
    expect(queued.json()).toEqual({ samples: [] });
  });
});
