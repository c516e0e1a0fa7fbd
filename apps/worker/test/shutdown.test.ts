import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, pidsWithEnv, waitFor } from '@kingly/testing';
import { createHarness, exited, logLines, spawnWorkerProcess, type Harness } from './harness.js';

describe('worker shutdown', () => {
  let h: Harness;
  beforeAll(() => {
    h = createHarness('shutdown');
  });
  afterAll(async () => h.close());

  it('on SIGTERM stops taking jobs, kills running trees after the grace period and orphans nothing', async () => {
    const worker = await spawnWorkerProcess(h, { shutdownGraceMs: 500 });
    const ids = (await h.client.enqueueMany([{ command: `sh ${fixture('grandchildren.sh')}` }, { command: `sh ${fixture('ignore-term.sh')}` }])).map((j) => j.id);
    await waitFor(async () => (await Promise.all(ids.map((id) => h.client.getJob(id)))).every((r) => r.state === 'running'), { message: 'both jobs to run' });
    await waitFor(() => ids.every((id) => pidsWithEnv('KINGLY_JOB_ID', id).length >= 2), { message: 'the fixtures to fork their children' });
    worker.child.kill('SIGTERM');
    expect(await exited(worker.child)).toBe(0);
    for (const id of ids) {
      expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
      const record = await h.client.getJob(id);
      expect(record).toMatchObject({ state: 'cancelled', reason: 'the worker shut down' });
      expect((await logLines(h.client, id)).join('\n')).toMatch(/the worker shut down/);
    }
    // A job queued after the worker left stays queued for the next worker.
    const { id: later } = await h.client.enqueue({ command: 'true' });
    expect((await h.client.getJob(later)).state).toBe('queued');
    expect(await h.client.listWorkers()).toEqual([]);
  });
});
