import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from '@kingly/testing';
import type { KinglyWorker } from '@kingly/worker';
import { buildApp } from '../dist/index.js';
import { createApiHarness, fixturePath, TOKEN, waitForState, type ApiHarness } from './harness.js';

/** The value of one Prometheus sample line, e.g. `kingly_workers{state="alive"}`. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('workers, status, metrics, health and docs', () => {
  let h: ApiHarness;
  let worker: KinglyWorker;
  const dir = tempDir('kingly-api-routes');
  beforeAll(async () => {
    h = await createApiHarness('api-routes');
    worker = await h.startWorker({ concurrency: 2 });
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  it('GET /api/workers lists the live worker', async () => {
    const res = await h.call('/api/workers');
    expect(res.statusCode).toBe(200);
    expect(res.json().workers).toEqual([expect.objectContaining({ id: worker.id, pid: process.pid, queue: 'commands', concurrency: 2, alive: true })]);
  });

  it('GET /api/status and GET /metrics show a running job with its CPU and RSS, queue depth and workers', async () => {
    const { id } = await h.client.enqueue({ command: `node ${fixturePath('gated.cjs')}`, env: { BURN: '1', GATE: join(dir.path, 'never') } });
    await h.client.enqueue({ command: 'true' }, { queue: 'unserved' });
    await h.client.enqueue({ command: 'true' }, { queue: 'unserved' });
    const ok = await h.client.enqueue({ command: 'echo done' });
    await waitForState(h.client, ok.id, ['succeeded']);

    const running = await waitFor(
      async () => {
        const status = (await h.call('/api/status')).json() as { running: Array<{ id: string; cpuPercent: number | null }> };
        return status.running.find((r) => r.id === id && (r.cpuPercent ?? 0) > 20);
      },
      { timeoutMs: 15_000, message: 'status to show the burner using CPU' },
    );
    // The first sample can come a few ms after the line is printed, before the log batch is sent.
    await waitFor(
      async () => {
        for await (const entry of h.client.followLogs(id, { follow: false })) if (entry.line === 'started') return true;
        return false;
      },
      { timeoutMs: 15_000, message: "the burner's 'started' line to be in its log" },
    );
    const status = (await h.call('/api/status')).json();
    expect(Object.keys(status).sort()).toEqual(expect.arrayContaining(['counts', 'running', 'workers']));
    expect(status.counts).toMatchObject({ running: 1, queued: 2 });
    expect(status.counts.succeeded).toBeGreaterThanOrEqual(1);
    expect(running).toMatchObject({ id, state: 'running', pid: expect.any(Number) });

    const res = await h.call('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(metric(text, 'kingly_running_jobs')).toBe(1);
    expect(metric(text, 'kingly_jobs', { state: 'queued' })).toBe(2);
    expect(metric(text, 'kingly_jobs', { state: 'succeeded' })).toBeGreaterThanOrEqual(1);
    // By queue and by worker, never by job.
    expect(metric(text, 'kingly_queue_running_jobs', { queue: 'commands' })).toBe(1);
    expect(metric(text, 'kingly_queue_running_cpu_percent', { queue: 'commands' })).toBeGreaterThan(0);
    expect(metric(text, 'kingly_queue_running_rss_bytes', { queue: 'commands' })).toBeGreaterThan(1024 * 1024);
    expect(metric(text, 'kingly_worker_up', { worker: worker.id })).toBe(1);
    expect(metric(text, 'kingly_worker_running_jobs', { worker: worker.id })).toBe(1);
    expect(metric(text, 'kingly_worker_concurrency', { worker: worker.id })).toBe(2);
    expect(text).not.toContain(id);
    expect(metric(text, 'kingly_running_cpu_percent')).toBeGreaterThan(0);
    expect(metric(text, 'kingly_running_rss_bytes')).toBeGreaterThan(1024 * 1024);
    expect(metric(text, 'kingly_queue_depth', { queue: 'unserved' })).toBe(2);
    expect(metric(text, 'kingly_queue_depth', { queue: 'commands' })).toBe(0);
    expect(metric(text, 'kingly_workers', { state: 'alive' })).toBe(1);
    expect(text).toContain('kingly_api_process_cpu_user_seconds_total');
    const linesBefore = metric(text, 'kingly_log_lines_written_total')!;
    expect(linesBefore).toBeGreaterThanOrEqual(1);

    expect((await h.call({ method: 'DELETE', url: `/api/jobs/${id}?graceMs=500` })).statusCode).toBe(202);
    await waitForState(h.client, id, ['cancelled']);
    const after = (await h.call('/metrics')).body;
    expect(metric(after, 'kingly_running_jobs')).toBe(0);
    expect(metric(after, 'kingly_queue_running_jobs', { queue: 'commands' })).toBe(0);
    expect(metric(after, 'kingly_jobs_finished_total', { queue: 'commands', state: 'cancelled' })).toBe(1);
    expect(metric(after, 'kingly_job_duration_seconds_count', { queue: 'commands', state: 'cancelled' })).toBe(1);
    expect(metric(after, 'kingly_jobs', { state: 'cancelled' })).toBe(1);
    // The cancel wrote a system line to the job's log: the total grew.
    expect(metric(after, 'kingly_log_lines_written_total')).toBeGreaterThan(linesBefore);
  });

  it('serves OpenAPI at /docs, documenting every route with its schema', async () => {
    const ui = await h.call({ url: '/docs', headers: { accept: 'text/html' } });
    expect(ui.statusCode).toBe(200);
    const doc = (await h.call('/docs/json')).json() as { paths: Record<string, Record<string, { requestBody?: unknown }>>; components: unknown };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/events',
      '/api/jobs',
      '/api/jobs/{id}',
      '/api/jobs/{id}/logs',
      '/api/jobs/{id}/samples',
      '/api/status',
      '/api/workers',
      '/healthz',
      '/metrics',
    ]);
    expect(Object.keys(doc.paths['/api/jobs']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/jobs/{id}']!).sort()).toEqual(['delete', 'get']);
    expect(JSON.stringify(doc.paths['/api/jobs']!.post!.requestBody)).toContain('"command"');
    expect(doc.components).toMatchObject({ securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } });
  });

  it('/healthz answers 503 and the API 503 E_REDIS_UNREACHABLE when Redis is down', async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const app = await buildApp({ redisUrl: dead, token: TOKEN });
    try {
      const health = await app.inject('/healthz');
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'unavailable', redis: 'unreachable' });
      const status = await app.inject({ url: '/api/status', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(status.statusCode).toBe(503);
      expect(status.json()).toMatchObject({ statusCode: 503, code: 'E_REDIS_UNREACHABLE', error: 'Service Unavailable' });
    } finally {
      await app.close();
    }
  });
});
