import { afterAll, describe, expect, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { kingly, workerForFile } from './helpers.js';

// `kingly prune` as a user runs it (the built binary) against jobs a real `kingly worker` ran.

describe('kingly prune', () => {
  const { env } = workerForFile('prune');
  const client = (): KinglyClient => new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
  const opened: KinglyClient[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
  });

  it('--dry-run --json counts, then prunes by state, age and keep-last; refuses an unfinished state', async () => {
    const c = client();
    opened.push(c);
    const ok = (await c.enqueueMany(Array.from({ length: 4 }, () => ({ argv: ['true'], name: 'ok' })))).map((j) => j.id);
    const bad = (await c.enqueueMany(Array.from({ length: 3 }, () => ({ argv: ['false'], name: 'bad' })))).map((j) => j.id);
    await c.waitForJobs([...ok, ...bad], { timeoutMs: 60_000 });

    const dry = await kingly(['prune', '--state', 'failed', '--older-than', '0s', '--dry-run', '--json'], env);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, pruned: 3, byState: { failed: 3 }, bullRemoved: 0, selection: { olderThanMs: 0, states: ['failed'] } });
    expect((await c.status()).counts.failed).toBe(3);

    // The default is the retention policy (a week, 10,000 jobs): nothing this young goes.
    const policy = await kingly(['prune', '--dry-run', '--json'], env);
    expect(JSON.parse(policy.stdout)).toMatchObject({ pruned: 0, selection: { olderThanMs: 7 * 24 * 3600 * 1000, maxJobs: 10_000 } });

    const failed = await kingly(['prune', '--state', 'failed', '--json'], env);
    expect(JSON.parse(failed.stdout)).toMatchObject({ dryRun: false, pruned: 3, bullRemoved: 3 });
    const queue = await c.queue();
    for (const id of bad) expect(await queue.getJob(id)).toBeUndefined();

    const kept = await kingly(['prune', '--keep-last', '1'], env);
    expect(kept.stdout).toBe('pruned 3 finished jobs (succeeded 3); 3 BullMQ jobs removed\n');
    expect((await c.listJobs()).map((r) => r.id)).toEqual([ok.at(-1)]);
    expect((await kingly(['prune', '--older-than', '0s'], env)).stdout).toBe('pruned 1 finished job (succeeded 1); 1 BullMQ job removed\n');
    expect((await kingly(['prune'], env)).stdout).toBe('nothing to prune\n');

    const running = await kingly(['prune', '--state', 'running'], env);
    expect(running.exitCode).toBe(2);
    expect(running.stderr).toMatch(/--state 'running' is not a finished state/);
    expect((await kingly(['prune', '--older-than', 'soon'], env)).stderr).toMatch(/--older-than must be a duration/);
  }, 120_000);

  it('--help shows examples', async () => {
    const help = await kingly(['prune', '--help'], env);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Examples:\n {2}\$ kingly prune/);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toContain('--json');
  });
});
