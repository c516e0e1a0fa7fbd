import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, pidsWithEnv, waitFor } from '@kingly/testing';
import { createHarness, logLines, type Harness } from './harness.js';

describe('limits and sampling', () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness('limits');
    await h.startWorker({ sampleIntervalMs: 200 });
  });
  afterAll(async () => h.close());

  it('kills a job past its timeout and says so with the measured time', async () => {
    const { id } = await h.client.enqueue({ command: `sh ${fixture('grandchildren.sh')}`, limits: { timeoutMs: 700 } });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record.state).toBe('timed-out');
    expect(record.reason).toMatch(/timed out: ran [\d.]+m?s, the limit is 700ms \(700 ms\)/);
    expect((await logLines(h.client, id)).join('\n')).toMatch(/system:\[kingly\] timed out: ran/);
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
  });

  it('kills a job whose tree passes its memory limit and logs the measured value', async () => {
    const { id } = await h.client.enqueue({ command: `node ${fixture('alloc.js')} 400`, limits: { maxMemoryBytes: 150 * 1024 * 1024 } });
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record.state).toBe('memory-limit');
    const match = /memory use \S+ \((\d+) bytes\) passed the limit 150M \(157286400 bytes\)/.exec(record.reason ?? '');
    expect(match, record.reason ?? '').not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(150 * 1024 * 1024);
    expect((await logLines(h.client, id)).join('\n')).toMatch(/system:\[kingly\] memory use/);
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect(record.peakRssBytes).toBeGreaterThan(150 * 1024 * 1024);
  });

  it('shows a CPU-burning job above 50 % CPU in status, with its figures kept at the end', async () => {
    const { id } = await h.client.enqueue({ command: `node ${fixture('burn-cpu.js')}`, name: 'burner' });
    const status = await waitFor(
      async () => {
        const s = await h.client.status();
        return s.running.some((r) => r.id === id && (r.cpuPercent ?? 0) > 50) ? s : undefined;
      },
      { timeoutMs: 15_000, message: 'status to show the burner above 50 % CPU' },
    );
    const running = status.running.find((r) => r.id === id)!;
    // The worker's running count comes from the records, not a heartbeat up to 5 s old.
    expect(status.workers.find((w) => w.id === running.workerId)?.running).toBe(1);
    expect(running.processCount).toBeGreaterThanOrEqual(1);
    expect(running.rssBytes).toBeGreaterThan(1024 * 1024);
    const progress = (await (await h.client.queue()).getJob(id))!.progress as { cpuPercent: number; pid: number };
    expect(progress.pid).toBe(running.pid);
    const { record } = await h.client.cancel(id, { graceMs: 1000 });
    expect(record.cpuSeconds).toBeGreaterThan(0);
    expect(record.peakRssBytes).toBeGreaterThan(0);
  });
});
