import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';
import { countParked } from './parked-jobs.js';

// agents.maxConcurrent goes through the same admission line as group concurrency: a job over the
// cap is parked once and promoted when a slot is given back, never polled.
describe('agent cap (admission line, no polling)', () => {
  let h: Harness;
  let dir: string;
  let parked: Awaited<ReturnType<typeof countParked>>;
  beforeAll(async () => {
    h = createHarness('agent-cap');
    dir = mkdtempSync(join(tmpdir(), 'kingly-agent-cap-'));
    parked = await countParked(h);
    await h.startWorker({ concurrency: 4 });
    await h.startWorker({ concurrency: 4 });
  });
  afterAll(async () => {
    await parked.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Agent jobs (format text) capped at `cap`: each notes "n <agents running with it>", then works for `seconds`. */
  const enqueueAgents = async (count: number, cap: number, seconds: number): Promise<{ ids: string[]; lines: () => number[][] }> => {
    const label = uniqueName('agents');
    const order = join(dir, `${label}.order`);
    const running = join(dir, label);
    const script = (n: number): string =>
      `mkdir -p ${running}; touch ${running}/$KINGLY_JOB_ID; echo "${n} $(ls ${running} | wc -l)" >> ${order}; sleep ${seconds}; rm ${running}/$KINGLY_JOB_ID`;
    const specs = Array.from({ length: count }, (_, n) => ({ command: script(n), agent: { name: 'scripted', format: 'text' as const, maxConcurrent: cap } }));
    const ids = (await h.client.enqueueMany(specs)).map((j) => j.id);
    return { ids, lines: () => readFileSync(order, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number)) };
  };

  const lineEmpty = async (): Promise<void> => {
    const redis = await h.client.redis();
    await waitFor(async () => (await redis.exists(h.client.keys.agentSlots, h.client.keys.agentWaiting)) === 0, {
      timeoutMs: 10_000,
      message: 'the agent slots set and waiting list to be gone',
    });
  };

  it('never runs more agents than the cap over two workers; each waiting job is parked once and promoted, not polled', async () => {
    const { ids, lines } = await enqueueAgents(6, 2, 0.6);
    // A lost promotion would hold a job for the 60 s recheck: this bound says it never happens.
    const records = await h.client.waitForJobs(ids, { timeoutMs: 40_000 });
    expect(records.map((r) => r.state)).toEqual(ids.map(() => 'succeeded'));
    expect(Math.max(...lines().map(([, together]) => together!))).toBeLessThanOrEqual(2);
    // Polling every 300 ms would have parked the last jobs about 4 times each.
    for (const id of ids) expect(parked.times.get(id) ?? 0, `times job ${id} was parked`).toBeLessThanOrEqual(1);
    expect(ids.filter((id) => parked.times.has(id)).length).toBeGreaterThanOrEqual(1);
    await lineEmpty();
  });

  it('takes back the slot of a holder whose job ended without giving it back (its worker was SIGKILLed)', async () => {
    const redis = await h.client.redis();
    // A holder with no record left: as a job whose worker died before it could give its slot back.
    await redis.sadd(h.client.keys.agentSlots, 'gone-holder');
    const { ids } = await enqueueAgents(1, 1, 0);
    const [record] = await h.client.waitForJobs(ids, { timeoutMs: 20_000 });
    expect(record!.state).toBe('succeeded');
    await lineEmpty();
  });
});
