import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';
import { countParked } from './parked-jobs.js';

describe('group concurrency (admission in Redis, FIFO)', () => {
  let h: Harness;
  let dir: string;
  let parked: Awaited<ReturnType<typeof countParked>>;
  beforeAll(async () => {
    h = createHarness('admission');
    dir = mkdtempSync(join(tmpdir(), 'kingly-admission-'));
    parked = await countParked(h);
    // Two workers, so jobs of one group are taken, parked and admitted across workers.
    await h.startWorker({ concurrency: 4 });
    await h.startWorker({ concurrency: 4 });
  });
  /** Every slot given back and the line empty (the last job gives its slot back just after its record ends). */
  const slotsReturned = async (group: string): Promise<void> => {
    const redis = await h.client.redis();
    await waitFor(async () => (await redis.exists(h.client.keys.groupSlots(group), h.client.keys.groupWaiting(group))) === 0, {
      timeoutMs: 10_000,
      message: `group ${group}'s slots set and waiting list to be gone`,
    });
  };
  afterAll(async () => {
    await parked.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Enqueues `count` jobs of a new group capped at `cap`. Job n notes "n <how many of the group run
   * with it>" (files in a shared dir) in the group's order file, then works for `seconds`.
   */
  const enqueueGroup = async (label: string, count: number, cap: number, seconds: number): Promise<{ group: string; ids: string[]; lines: () => number[][] }> => {
    const group = uniqueName(label);
    const order = join(dir, `${group}.order`);
    const running = join(dir, group);
    const script = (n: number): string =>
      `mkdir -p ${running}; touch ${running}/$KINGLY_JOB_ID; echo "${n} $(ls ${running} | wc -l)" >> ${order}; sleep ${seconds}; rm ${running}/$KINGLY_JOB_ID`;
    const ids = (await h.client.enqueueMany(Array.from({ length: count }, (_, n) => ({ command: script(n), group, groupConcurrency: cap })))).map((j) => j.id);
    const lines = (): number[][] => readFileSync(order, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
    return { group, ids, lines };
  };

  it('runs the jobs of a capped group in enqueue order, never more than the cap at once, each parked at most once', async () => {
    const { group, ids, lines: readLines } = await enqueueGroup('fifo', 10, 1, 0.2);
    // A lost promotion would hold the next job for the 60 s recheck: this bound says it never happens.
    const records = await h.client.waitForJobs(ids, { timeoutMs: 40_000 });
    expect(records.map((r) => r.state)).toEqual(ids.map(() => 'succeeded'));
    const lines = readLines();
    expect(lines.map(([n]) => n)).toEqual(ids.map((_, n) => n));
    expect(Math.max(...lines.map(([, together]) => together!))).toBe(1);
    for (const id of ids) expect(parked.times.get(id) ?? 0, `times job ${id} was parked`).toBeLessThanOrEqual(1);
    await slotsReturned(group);
  });

  it('keeps a cap above one and gives a cancelled waiting job’s turn to the next in line', async () => {
    const { group, ids, lines: readLines } = await enqueueGroup('cap2', 6, 2, 0.5);
    // Job 4 waits in line, parked (two run, two more wait ahead of it), when it is cancelled.
    const queue = await h.client.queue();
    await waitFor(async () => (await (await queue.getJob(ids[4]!))?.getState()) === 'delayed', { timeoutMs: 20_000, message: 'job 4 to be parked in the delayed set' });
    expect((await h.client.cancel(ids[4]!)).action).toBe('removed');
    const records = await h.client.waitForJobs(ids, { timeoutMs: 40_000 });
    expect(records.map((r) => r.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'cancelled', 'succeeded']);
    const lines = readLines();
    expect(lines.map(([n]) => n).sort()).toEqual([0, 1, 2, 3, 5]);
    // Started in order, two at a time at most: 0 and 1 first, 5 last.
    expect(lines.slice(0, 2).map(([n]) => n).sort()).toEqual([0, 1]);
    expect(lines.at(-1)![0]).toBe(5);
    expect(Math.max(...lines.map(([, together]) => together!))).toBeLessThanOrEqual(2);
    await slotsReturned(group);
  });
});
