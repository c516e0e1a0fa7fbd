import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, pidsWithEnv, uniqueName, waitFor } from '@kingly/testing';
import { createHarness, exited, logLines, spawnWorkerProcess, type Harness } from './harness.js';

// Short heartbeats and locks so a dead worker is noticed in seconds rather than the default ~20 s.
const fast = { heartbeatMs: 300, reapIntervalMs: 300, lockDurationMs: 1500 };

describe('workers that die', () => {
  let h: Harness;
  beforeAll(() => {
    h = createHarness('lost');
  });
  afterAll(async () => h.close());

  it('marks the job worker-lost and kills its orphaned tree when another worker starts on the host', async () => {
    const doomed = await spawnWorkerProcess(h, fast);
    const { id } = await h.client.enqueue({ command: `sh ${fixture('grandchildren.sh')}` });
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length >= 7, { message: 'the fixture to fork its tree' });
    doomed.child.kill('SIGKILL');
    await exited(doomed.child);
    // SIGKILL gives the worker no chance to clean up: the tree is orphaned now.
    expect(pidsWithEnv('KINGLY_JOB_ID', id).length).toBeGreaterThanOrEqual(7);
    await h.startWorker(fast);
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record.state).toBe('worker-lost');
    expect(record.reason).toMatch(/stopped sending heartbeats/);
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { timeoutMs: 10_000, message: 'the orphaned tree to be killed' });
    expect((await logLines(h.client, id)).join('\n')).toMatch(/marked worker-lost/);
    // The dead worker is still listed, as dead; the live one as alive.
    const workers = await h.client.listWorkers();
    expect(workers.find((w) => w.pid === doomed.child.pid)?.alive).toBe(false);
    expect(workers.filter((w) => w.alive).length).toBe(1);
    const status = await h.client.status();
    expect(status.recentFailures.map((r) => r.id)).toContain(id);
    expect(status.counts['worker-lost']).toBe(1);
    // Not silently run again.
    expect(record.attempt).toBe(1);
  });

  it('cancel ends a job whose owning worker is gone, saying so', async () => {
    const h = createHarness('lost-cancel'); // no other worker: nobody reaps until one starts
    try {
      const doomed = await spawnWorkerProcess(h, fast);
      const { id } = await h.client.enqueue({ command: 'sleep 300' });
      await waitFor(async () => (await h.client.getJob(id)).pid !== null, { message: 'the job to run on the doomed worker' });
      doomed.child.kill('SIGKILL');
      await exited(doomed.child);
      await waitFor(async () => (await h.client.listWorkers()).some((w) => w.pid === doomed.child.pid && !w.alive), { message: 'the worker to be seen dead' });
      // Nobody else would end it: the cancel does (see hostile-specs.test.ts for its waiters).
      const { record } = await h.client.cancel(id, { graceMs: 200 });
      expect(record).toMatchObject({ state: 'worker-lost', reason: expect.stringMatching(/is gone \(no heartbeat\)/) });
      // A worker starting on this host reaps the orphan.
      await h.startWorker(fast);
      expect((await h.client.waitForJob(id, { timeoutMs: 20_000 })).state).toBe('worker-lost');
      await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { message: 'the orphan to be killed' });
    } finally {
      await h.close();
    }
  });

  it('retries a job that asked for attempts, with the attempt number on the record', async () => {
    // A prefix of its own, so the job can only go to the doomed worker.
    const h = createHarness('lost-retry');
    try {
    const doomed = await spawnWorkerProcess(h, fast);
    const marker = `attempt-${Date.now()}`;
    const { id } = await h.client.enqueue({ command: `echo ${marker}; sleep 300`, attempts: 2 });
    await waitFor(async () => (await h.client.getJob(id)).workerId !== null, { message: 'the job to run on the doomed worker' });
    expect((await h.client.getJob(id)).attempt).toBe(1);
    doomed.child.kill('SIGKILL');
    await exited(doomed.child);
    await h.startWorker(fast);
    const second = await waitFor(async () => {
      const r = await h.client.getJob(id);
      return r.state === 'running' && r.attempt === 2 ? r : undefined;
    }, { timeoutMs: 30_000, message: 'the job to run again as attempt 2' });
    expect(second.workerId).not.toContain(`-${doomed.child.pid}-`);
    await waitFor(async () => (await logLines(h.client, id)).join('\n').includes('attempt 2 of 2'), { message: "the log to say 'attempt 2 of 2'" });
    const { record } = await h.client.cancel(id, { graceMs: 500 });
    expect(record).toMatchObject({ state: 'cancelled', attempt: 2 });
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { message: 'no process of the job to be left' });
    expect(second.reason).toBeNull();
    } finally {
      await h.close();
    }
  });

  it("admits the next job of a capped group as soon as the lost job's slot is freed, not at the parked job's recheck", async () => {
    const h = createHarness('lost-group');
    try {
      const doomed = await spawnWorkerProcess(h, fast);
      const group = uniqueName('line');
      const { id: first } = await h.client.enqueue({ command: 'sleep 300', group, groupConcurrency: 1 });
      await waitFor(async () => (await h.client.getJob(first)).pid !== null, { message: 'the first job to run on the doomed worker' });
      const { id: next } = await h.client.enqueue({ command: 'echo next', group, groupConcurrency: 1 });
      const queue = await h.client.queue();
      await waitFor(async () => (await (await queue.getJob(next))?.getState()) === 'delayed', { timeoutMs: 20_000, message: 'the next job to be parked behind the first' });
      doomed.child.kill('SIGKILL');
      await exited(doomed.child);
      const killedAt = Date.now();
      await h.startWorker(fast);
      const lost = await h.client.waitForJob(first, { timeoutMs: 20_000 });
      expect(lost.state).toBe('worker-lost');
      const done = await h.client.waitForJob(next, { timeoutMs: 50_000 });
      expect(done.state).toBe('succeeded');
      // Heartbeat TTL (0.9 s) + a reaper pass (0.3 s) + a take: seconds. The parked job's own
      // recheck comes after PARKED_RECHECK_MS (60 s); the bound leaves room for a loaded machine.
      expect(Date.now() - killedAt, 'ms from the kill to the next job of the group ending').toBeLessThan(30_000);
      await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', first).length === 0, { timeoutMs: 10_000, message: 'the orphaned first job to be killed' });
    } finally {
      await h.close();
    }
  }, 90_000);
});
