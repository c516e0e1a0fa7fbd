import { afterAll, describe, expect, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { allocSteps, tempDir } from '@kingly/testing';
import { kingly, workerForFile } from './helpers.js';

// `kingly show` draws the job's resource history as sparklines; --json carries it as `samples`.
describe('kingly show: resource history', () => {
  const { env } = workerForFile('show-samples');
  const dir = tempDir('kingly-show-samples');
  afterAll(() => dir.remove());

  it('prints CPU and RSS sparklines of a job that allocated memory in steps, and --json includes the points', async () => {
    const client = new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
    try {
      const job = allocSteps(client, dir.path, 30);
      const run = await kingly(['run', '--json', job.command], env);
      expect(run.exitCode, run.stderr).toBe(0);
      const id = (JSON.parse(run.stdout) as { id: string }).id;
      await job.step(id, 1);
      await job.step(id, 2);
      job.stop();
      await client.waitForJob(id, { timeoutMs: 30_000 });

      const shown = await kingly(['show', id], { ...env, NO_COLOR: '1' });
      expect(shown.exitCode, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/^history: \d+ points over \d+s$/m);
      const rss = /^ {2}rss {2}([▁▂▃▄▅▆▇█]+)\s+(\S+)–(\S+)$/m.exec(shown.stdout);
      expect(rss, shown.stdout).not.toBeNull();
      // Memory went up in a step: the line starts low and ends at the top.
      expect(rss![1]!.at(0)).toBe('▁');
      expect(rss![1]!.at(-1)).toBe('█');
      expect(shown.stdout).toMatch(/^ {2}cpu {2}[▁▂▃▄▅▆▇█]+\s+max \d+%$/m);
      expect(shown.stdout).not.toContain('\u001b[');

      const json = await kingly(['show', '--json', id], env);
      const record = JSON.parse(json.stdout) as { id: string; samples: Array<{ t: number; cpuPercent: number; rssBytes: number; processCount: number }> };
      expect(record.id).toBe(id);
      // One sample after each step is certain (the steps wait for them); one before them is not, under load.
      expect(record.samples.length).toBeGreaterThanOrEqual(2);
      expect(record.samples).toEqual(await client.getSamples(id));
    } finally {
      await client.close();
    }
  });
});
