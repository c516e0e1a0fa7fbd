import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, pidsWithEnv, tempDir, waitFor } from '@kingly/testing';
import { createHarness, logLines, spawnWorkerProcess, type Harness } from './harness.js';

describe('cancel and kill', () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness('kill');
    // The worker is another process: the client below kills through Redis, as from another machine.
    await spawnWorkerProcess(h, { concurrency: 6 });
  });
  afterAll(async () => h.close());

  const waitRunning = async (id: string, minProcesses: number): Promise<void> => {
    await waitFor(async () => (await h.client.getJob(id)).state === 'running', { message: `job ${id} to run` });
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length >= minProcesses, { message: `job ${id} to have ${minProcesses} processes` });
  };

  it.each([
    ['grandchildren', 'grandchildren.sh', 7],
    ['setsid escapee', 'setsid-escape.sh', 3],
    ['double fork', 'double-fork.sh', 3],
    ['SIGTERM ignorer', 'ignore-term.sh', 3],
  ])('kills a running job with %s and leaves no process', async (_label, script, processes) => {
    const { id } = await h.client.enqueue({ command: `sh ${fixture(script)}` });
    await waitRunning(id, processes);
    const { record, action } = await h.client.cancel(id, { graceMs: 500 });
    expect(action).toBe('killed');
    expect(record.state).toBe('cancelled');
    expect(record.signal).toMatch(/^SIG(TERM|KILL)$/);
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect((await logLines(h.client, id)).join('\n')).toMatch(/cancelled by request/);
  });

  // The leader exits at once (the short-job path reads only pids above the leader's) or after
  // the no-wrap window (the whole process table is read): either way nothing it left survives.
  it.each([
    ['in its group, leader exits at once', 'sleep 300 & echo bg started', 0],
    ['escaped with setsid, leader exits at once', 'setsid sleep 300 & echo bg started', 0],
    ['escaped with setsid, leader exits after 1.2 s', 'setsid sleep 300 & echo bg started; sleep 1.2', 1200],
  ])('stops what a finished command left running: %s', async (_label, command) => {
    const { id } = await h.client.enqueue({ command });
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record.state).toBe('succeeded');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect(await logLines(h.client, id)).toEqual(['stdout:bg started', 'system:[kingly] the command exited; stopping processes it left running']);
  });

  it('finds what a short job left while newer jobs run beside it, and leaves those jobs alone', async () => {
    // The short-job path skips the newer processes that are other jobs' running leaders: the
    // escapee (newer too) must still be found, and the other jobs must not be touched.
    const dir = tempDir('kill-beside');
    try {
      const go = join(dir.path, 'go');
      const { id } = await h.client.enqueue({ command: `while [ ! -e ${go} ]; do sleep 0.02; done; setsid sleep 300 & echo bg started` });
      await waitFor(async () => (await h.client.getJob(id)).state === 'running', { message: `job ${id} to run` });
      const others = (await h.client.enqueueMany([{ command: 'sleep 300' }, { command: 'sleep 300' }])).map((j) => j.id);
      for (const other of others) await waitRunning(other, 1);
      const theirs = others.map((other) => pidsWithEnv('KINGLY_JOB_ID', other));
      writeFileSync(go, '');
      const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
      expect(record.state).toBe('succeeded');
      expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
      expect((await logLines(h.client, id)).at(-1)).toBe('system:[kingly] the command exited; stopping processes it left running');
      for (const [i, other] of others.entries()) {
        expect((await h.client.getJob(other)).state).toBe('running');
        expect(pidsWithEnv('KINGLY_JOB_ID', other)).toEqual(theirs[i]);
        await h.client.cancel(other, { graceMs: 500 });
      }
    } finally {
      dir.remove();
    }
  });

  it('sends the asked signal first', async () => {
    const { id } = await h.client.enqueue({ command: "trap 'echo got INT; exit 130' INT; sleep 100 & wait" });
    await waitRunning(id, 2);
    const { record } = await h.client.cancel(id, { signal: 'INT', graceMs: 3000 });
    expect(record.state).toBe('cancelled');
    expect((await logLines(h.client, id)).join('\n')).toMatch(/got INT/);
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
  });

  it('cancels a queued job: removed from the queue, log closed, one finished event', async () => {
    const other = createHarness('kill-queued'); // no worker on this prefix
    try {
      const { id } = await other.client.enqueue({ command: 'echo never' });
      const { record, action } = await other.client.cancel(id);
      expect(action).toBe('removed');
      expect(record).toMatchObject({ state: 'cancelled', reason: 'cancelled before it started', command: 'echo never' });
      expect(await (await other.client.queue()).getJob(id)).toBeUndefined();
      expect(await logLines(other.client, id)).toEqual([]);
      const finished: string[] = [];
      for await (const e of other.client.events({ since: '0', follow: false })) if (e.jobId === id && e.type === 'finished') finished.push(e.state);
      expect(finished).toEqual(['cancelled']);
      // Cancelling again reports that it already ended and adds no event.
      expect((await other.client.cancel(id)).action).toBe('already-ended');
    } finally {
      await other.close();
    }
  });

  it('rejects an unknown signal and an unknown id', async () => {
    const { id } = await h.client.enqueue({ command: 'true' });
    await expect(h.client.cancel(id, { signal: 'SIGNOPE' })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(h.client.cancel('does-not-exist')).rejects.toMatchObject({ code: 'E_JOB_NOT_FOUND' });
  });
});
