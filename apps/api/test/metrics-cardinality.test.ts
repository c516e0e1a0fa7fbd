import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@kingly/testing';
import { createApiHarness, fixturePath, type ApiHarness } from './harness.js';

/** Every series of a Prometheus text: name and labels, without values (the API process's own left out). */
function series(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('kingly_api_'))
      .map((line) => line.slice(0, line.lastIndexOf(' '))),
  );
}

/** The value of one series, e.g. `kingly_jobs_finished_total{queue="commands",state="failed"}`. */
function value(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

// Prometheus keeps every series it ever saw: a label per job would grow it with every job.
describe('/metrics cardinality', () => {
  let h: ApiHarness;
  const dir = tempDir('kingly-metrics-card');
  beforeAll(async () => {
    h = await createApiHarness('api-metrics-card');
    await h.startWorker({ concurrency: 4 });
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  const runAll = async (n: number): Promise<void> => {
    const specs = Array.from({ length: n }, (_, i) => ({ command: i % 2 === 0 ? 'true' : 'exit 3' }));
    const ids = (await h.client.enqueueMany(specs)).map((j) => j.id);
    const records = await h.client.waitForJobs(ids, { timeoutMs: 240_000 });
    expect(new Set(records.map((r) => r.state))).toEqual(new Set(['succeeded', 'failed']));
  };
  const scrape = async (): Promise<string> => {
    const res = await h.call('/metrics');
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('500 finished jobs add no series; they are counted in the per-queue counters and histograms', { timeout: 300_000 }, async () => {
    await scrape(); // the first scrape starts reading finished events here
    // Two of each outcome, sampled before they end, so every series (peak RSS too) exists now.
    const gate = join(dir.path, 'gate');
    const gated = `node ${fixturePath('gated.cjs')}`;
    const warm = (await h.client.enqueueMany([gated, gated, `${gated} && exit 3`, `${gated} && exit 3`].map((command) => ({ command, env: { GATE: gate } })))).map((j) => j.id);
    for (const id of warm) await waitFor(async () => (await h.client.getSamples(id)).length > 0, { timeoutMs: 30_000, message: `a sample of job ${id}` });
    writeFileSync(gate, '');
    await h.client.waitForJobs(warm, { timeoutMs: 30_000 });
    const before = await scrape();
    const succeeded = 'kingly_jobs_finished_total{queue="commands",state="succeeded"}';
    const failed = 'kingly_job_duration_seconds_count{queue="commands",state="failed"}';
    expect(value(before, succeeded)).toBe(2);
    expect(value(before, failed)).toBe(2);

    await runAll(500);
    // The worker's heartbeat and figures settle once nothing runs.
    const after = await waitFor(async () => {
      const text = await scrape();
      return value(text, 'kingly_running_jobs') === 0 ? text : undefined;
    }, { timeoutMs: 30_000, message: 'no job running' });
    expect(value(after, succeeded)).toBe(252);
    expect(value(after, failed)).toBe(252);
    expect(value(after, 'kingly_job_peak_rss_bytes_count{queue="commands",state="succeeded"}')).toBeGreaterThan(0);
    expect([...series(after)].filter((s) => !series(before).has(s))).toEqual([]);
    expect(series(after).size).toBe(series(before).size);
    expect(after).not.toMatch(/job_id|\bid="/);
  });
});
