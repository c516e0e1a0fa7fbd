import { createServer, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, pidsWithEnv, waitFor } from '@kingly/testing';
import { createHarness, logLines, type Harness } from './harness.js';

describe('groups, restarts and ports', () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness('groups');
    await h.startWorker({ concurrency: 6 });
  });
  afterAll(async () => h.close());

  it('runs at most groupConcurrency jobs of a group at once', async () => {
    const group = `cap-${Date.now()}`;
    // Each job records how many of the group run while it runs, through files in a shared dir.
    const dir = `/tmp/kingly-cap-${Date.now()}`;
    const script = `mkdir -p ${dir}; touch ${dir}/$KINGLY_JOB_ID; ls ${dir} | wc -l; sleep 0.3; rm ${dir}/$KINGLY_JOB_ID`;
    const ids = (await h.client.enqueueMany(Array.from({ length: 6 }, () => ({ command: script, group, groupConcurrency: 2 })))).map((j) => j.id);
    const records = await h.client.waitForJobs(ids, { timeoutMs: 30_000 });
    expect(records.every((r) => r.state === 'succeeded')).toBe(true);
    const seen = await Promise.all(ids.map(async (id) => Number((await logLines(h.client, id)).find((l) => l.startsWith('stdout:'))!.slice(7))));
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect((await h.client.listJobs({ group, limit: 100 })).length).toBe(6);
  });

  it('with failFast, the first failure cancels the rest of the group and kills their trees', async () => {
    const group = `ff-${Date.now()}`;
    const ids = (await h.client.enqueueMany([
      { command: 'sleep 300', group, failFast: true },
      { command: 'sleep 300', group, failFast: true },
      { command: 'sleep 0.5; exit 4', group, failFast: true },
    ])).map((j) => j.id);
    const records = await h.client.waitForJobs(ids, { timeoutMs: 20_000 });
    expect(records.map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'failed']);
    expect(records[2]!.exitCode).toBe(4);
    for (const id of ids) expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect((await logLines(h.client, ids[2]!)).join('\n')).toMatch(/fail-fast: cancelling 2 other job/);
  });

  it('restarts a crashing command with its restart policy and keeps one log across restarts', async () => {
    const { id } = await h.client.enqueue({ command: 'echo run; exit 3', restart: { policy: 'on-failure', maxRestarts: 2, delayMs: 50 } });
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record).toMatchObject({ state: 'failed', exitCode: 3, restarts: 2 });
    const lines = await logLines(h.client, id);
    expect(lines.filter((l) => l === 'stdout:run').length).toBe(3);
    expect(lines.join('\n')).toMatch(/exited with code 3; restarting in 50ms \(restart 1 of at most 2\)/);
  });

  it('brings a killed server back, hands it a free port as PORT, and cancel ends it', async () => {
    const low = await freePort();
    // Hold the first port of the range so the job must get the next free one.
    const blocker = createServer().listen(low);
    await new Promise((resolve) => blocker.once('listening', resolve));
    const server = `node -e "require('net').createServer((s) => s.end('hi')).listen(process.env.PORT, () => console.log('listening on', process.env.PORT))"`;
    const { id } = await h.client.enqueue({ command: server, portRange: [low, low + 20], restart: { policy: 'always', delayMs: 100 } });
    const first = await waitFor(async () => {
      const r = await h.client.getJob(id);
      return r.state === 'running' && r.port !== null && (await logLines(h.client, id)).some((l) => l.startsWith('stdout:listening')) ? r : undefined;
    }, { message: 'the server to listen on its port' });
    expect(first.port).not.toBe(low);
    expect(first.port! >= low && first.port! <= low + 20).toBe(true);
    const answer = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(first.port!, '127.0.0.1');
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
    expect(await answer()).toBe('hi');
    // Kill its process from outside: the policy starts it again, on the same port.
    process.kill(first.pid!, 'SIGKILL');
    const second = await waitFor(async () => {
      const r = await h.client.getJob(id);
      return r.restarts === 1 && r.pid !== first.pid ? r : undefined;
    }, { message: 'the server to be restarted' });
    expect(second.port).toBe(first.port);
    // Uptime counts from here: the restart's time, after the first start.
    expect(first.restartedAt).toBeNull();
    expect(Date.parse(second.restartedAt!)).toBeGreaterThanOrEqual(Date.parse(second.startedAt!));
    await waitFor(async () => (await answer().catch(() => '')) === 'hi', { message: 'the restarted server to answer again' });
    const { record } = await h.client.cancel(id, { graceMs: 1000 });
    expect(record.state).toBe('cancelled');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    blocker.close();
  });

  it('cancel ends a job that waits to restart, without waiting for the delay', async () => {
    const { id } = await h.client.enqueue({ command: 'exit 1', restart: { policy: 'always', delayMs: 60_000 } });
    await waitFor(async () => (await logLines(h.client, id)).some((l) => l.includes('restarting in 1m00s')), { message: 'the job to wait for its restart' });
    const { record } = await h.client.cancel(id, { graceMs: 500, extraWaitMs: 5000 });
    expect(record).toMatchObject({ state: 'cancelled', restarts: 1 });
  });

  it('rejects groupConcurrency without a group and a reversed port range', async () => {
    await expect(h.client.enqueue({ command: 'true', groupConcurrency: 2 })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /group/ });
    await expect(h.client.enqueue({ command: 'true', portRange: [9000, 8000] })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /portRange/ });
  });
});
