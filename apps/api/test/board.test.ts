import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJobId } from '@kingly/cmd';
import { tempDir, waitFor } from '@kingly/testing';
import { readableProgress } from '../dist/board/progress.js';
import { createApiHarness, fixturePath, waitForState, type ApiHarness } from './harness.js';

describe('Bull Board at /board', () => {
  let h: ApiHarness;
  let hostQueue: string | undefined;
  const dir = tempDir('kingly-api-board');
  beforeAll(async () => {
    h = await createApiHarness('api-board', { boardLogLines: 3 });
    ({ hostQueue } = await h.startWorker());
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  const startedEvents = async (id: string): Promise<number> => {
    let n = 0;
    for await (const e of h.client.events({ since: '0', follow: false })) if (e.jobId === id && e.type === 'started') n += 1;
    return n;
  };

  it('serves the board UI and lists every kingly queue, including ones that appear later', async () => {
    const html = await h.call({ url: '/board', headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('<base href="/board/"');
    expect(html.body).toContain('<title>kingly</title>');
    // Nothing the board loads is on another machine (its remote font link is dropped).
    expect(html.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    await h.client.enqueue({ command: 'true' });
    await h.client.enqueue({ command: 'true' }, { queue: 'later' });
    const names = await waitFor(
      async () => {
        const queues = (await h.call('/board/api/queues')).json().queues as Array<{ name: string }>;
        const found = queues.map((q) => q.name).sort();
        return found.includes('later') && found.includes('commands') ? found : undefined;
      },
      { message: 'the board to list both queues' },
    );
    // The worker's host queue (<queue>@<host>) is a queue of kingly's too.
    expect(hostQueue).toBeDefined();
    expect(names).toEqual(['commands', hostQueue!, 'later'].sort());
  });

  it("a job's page shows its command (secrets hidden), its live process figures (readable) and the tail of its output", async () => {
    const { id } = await h.client.enqueue({
      command: `node ${fixturePath('gated.cjs')}`,
      name: 'burner',
      env: { BURN: '1', GATE: join(dir.path, 'never'), API_KEY: 'hunter2-secret' },
    });
    await waitForState(h.client, id, ['running']);
    const job = await waitFor(
      async () => {
        const res = await h.call(`/board/api/queues/commands/${id}`);
        const body = res.json().job as { progress?: Record<string, unknown> };
        return parseFloat(String(body.progress?.CPU ?? 0)) > 0 ? body : undefined;
      },
      { timeoutMs: 15_000, message: 'the board to show the job with a CPU sample as its progress' },
    );
    const record = await h.client.getJob(id);
    expect(job).toMatchObject({
      name: `burner: node ${fixturePath('gated.cjs')}`,
      data: { command: `node ${fixturePath('gated.cjs')}`, env: { BURN: '<hidden>', GATE: '<hidden>', API_KEY: '<hidden>' } },
      progress: {
        PID: record.pid,
        CPU: expect.stringMatching(/^\d+\.\d %$/),
        'memory (RSS)': expect.stringMatching(/^\d+(\.\d)?[KMG]$/),
        'peak memory': expect.stringMatching(/^\d+(\.\d)?[KMG]$/),
        processes: expect.any(Number),
      },
    });
    expect(JSON.stringify(job)).not.toContain('hunter2-secret');
    // The first sample can be taken before the command's first line reaches the log (lines are
    // sent in batches): wait for the line rather than expect it with the sample.
    await waitFor(async () => ((await h.call(`/board/api/queues/commands/${id}/logs`)).json() as string[]).some((l) => / started$/.test(l)), {
      message: "the Logs tab to show the command's 'started' line",
    });
    expect((await h.call({ method: 'DELETE', url: `/api/jobs/${id}?graceMs=500` })).statusCode).toBe(202);
    await waitForState(h.client, id, ['cancelled']);
  });

  it("formats kingly's progress only: a plain BullMQ job's own progress passes unchanged", () => {
    expect(readableProgress({ pid: 7, cpuPercent: 12.34, rssBytes: 454340608, peakRssBytes: 512 * 1024 * 1024, processCount: 3, cpuSeconds: 70.55999999999992 })).toEqual({
      PID: 7,
      CPU: '12.3 %',
      'memory (RSS)': '433M',
      'peak memory': '512M',
      processes: 3,
      'CPU time': '1m10s',
    });
    for (const own of [42, 'half', null, { step: 2, of: 5 }, [1, 2]]) expect(readableProgress(own)).toEqual(own);
  });

  it('caps the Logs tab at the last lines and says where the rest is', async () => {
    const { id } = await h.client.enqueue({ command: 'for i in 1 2 3 4 5 6; do echo "n$i"; done' });
    await waitForState(h.client, id, ['succeeded']);
    const logs = (await h.call(`/board/api/queues/commands/${id}/logs`)).json() as string[];
    expect(logs[0]).toBe(`[kingly] the last 3 lines; all of them: GET /api/jobs/${id}/logs or 'kingly logs ${id}'`);
    expect(logs.slice(1).map((l) => l.split(' ').at(-1))).toEqual(['n4', 'n5', 'n6']);
  });

  it('retry runs a failed job again', async () => {
    const { id } = await h.client.enqueue({ command: 'echo attempt; exit 3' });
    await waitForState(h.client, id, ['failed']);
    const retry = await h.call({ method: 'PUT', url: `/board/api/queues/commands/${id}/retry` });
    expect(retry.statusCode).toBeLessThan(300);
    await waitFor(async () => (await startedEvents(id)) === 2, { message: `job ${id} to start a second time` });
    const again = await waitForState(h.client, id, ['failed']);
    expect(again.exitCode).toBe(3);
  });

  it('promote starts a delayed job now', async () => {
    const queue = await h.client.queue();
    const id = newJobId();
    await queue.add('command', { command: 'echo promoted', createdAt: Date.now() }, { jobId: id, delay: 3_600_000 });
    expect(await (await queue.getJob(id))!.getState()).toBe('delayed');
    const promote = await h.call({ method: 'PUT', url: `/board/api/queues/commands/${id}/promote` });
    expect(promote.statusCode).toBeLessThan(300);
    const record = await waitForState(h.client, id, ['succeeded', 'failed']);
    expect(record.state).toBe('succeeded');
  });

  it('clean removes a finished job from the queue; its kingly record stays readable', async () => {
    const { id } = await h.client.enqueue({ command: 'true' });
    await waitForState(h.client, id, ['succeeded']);
    const queue = await h.client.queue();
    expect(await queue.getJob(id)).toBeDefined();
    const clean = await h.call({ method: 'PUT', url: `/board/api/queues/commands/${id}/clean` });
    expect(clean.statusCode).toBeLessThan(300);
    expect(await queue.getJob(id)).toBeUndefined();
    expect((await h.call(`/api/jobs/${id}`)).json()).toMatchObject({ id, state: 'succeeded' });
  });
});
