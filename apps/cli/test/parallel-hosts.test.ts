import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '@kingly/cmd';
import { makeRepo, waitFor, type TestRepo } from '@kingly/testing';
import { kingly } from './helpers.js';
import { hostsSetup } from './host-workers.js';

// Host affinity: workers of two host ids ('alpha', 'beta') on one Redis, each with a KINGLY_HOME of
// its own (as on two machines). A stream's worktree is on the host that made it; `send` must land
// there every time, and a job sent to a host without a worker waits for one.
const { tmp, env, client, start, stop } = hostsSetup('hosts');
let repo: TestRepo;

beforeAll(() => {
  repo = makeRepo(join(tmp.path, 'repo'));
  repo.commit('first', { 'README.md': 'hello\n' });
}, 60_000);

/** Inits a one-stream set and waits for its run; the record of that run. */
async function initOne(name: string): Promise<JobRecord> {
  const init = await kingly(['parallel', 'init', name, '--streams=1', '--prompt', `work on ${name}`, '--json'], env, { cwd: repo.path });
  expect(init.exitCode, init.stderr).toBe(0);
  const jobId = (JSON.parse(init.stdout) as { jobs: Record<string, string> }).jobs['1']!;
  const done = await client.waitForJob(jobId, { timeoutMs: 60_000 });
  expect(done.state).toBe('succeeded');
  return done;
}

describe('host affinity', () => {
  it("send always runs on the host that holds the stream's worktree, with a worker of another host idle beside it", async () => {
    // 'one' is made on alpha (the only worker), 'two' on beta (alpha stopped): one stream on each host.
    await start('alpha');
    const one = await initOne('one');
    expect(one.host).toBe('alpha');
    await stop('alpha');
    await start('beta');
    const two = await initOne('two');
    expect(two.host).toBe('beta');
    await start('alpha');
    const status = await kingly(['parallel', 'status', 'one', '--json'], env, { cwd: repo.path });
    expect(JSON.parse(status.stdout)).toMatchObject({ streams: [{ host: 'alpha', worktree: one.worktreePath }] });

    // Both workers idle: every send of 'one' runs on alpha, every send of 'two' on beta.
    for (let round = 1; round <= 3; round += 1) {
      for (const [name, home] of [['one', one], ['two', two]] as const) {
        const sent = await kingly(['parallel', 'send', name, '1', `round ${round}`, '--json'], env, { cwd: repo.path });
        expect(sent.exitCode, sent.stderr).toBe(0);
        const { jobId, host } = JSON.parse(sent.stdout) as { jobId: string; host: string };
        expect(host).toBe(home.host);
        const done = await client.waitForJob(jobId, { timeoutMs: 60_000 });
        expect({ round, name, state: done.state, host: done.host, cwd: done.cwd, queue: done.queue }).toEqual({
          round, name, state: 'succeeded', host: home.host, cwd: home.worktreePath, queue: `commands@${home.host}`,
        });
      }
    }
    // With beta down, a send to 'two' says so and waits (alpha, idle, never takes it) until beta is back.
    await stop('beta');
    const waiting = await kingly(['parallel', 'send', 'two', '1', 'while beta is down', '--json'], env, { cwd: repo.path });
    expect(waiting.exitCode, waiting.stderr).toBe(0);
    expect(waiting.stderr).toContain("no worker of host 'beta' is taking jobs from queue 'commands' yet");
    const { jobId: waitingId } = JSON.parse(waiting.stdout) as { jobId: string };
    const meanwhile = await kingly(['run', '--json', '--', 'true'], env, { cwd: repo.path });
    expect((await client.waitForJob((JSON.parse(meanwhile.stdout) as { id: string }).id, { timeoutMs: 60_000 })).host).toBe('alpha');
    expect((await client.getJob(waitingId)).state).toBe('queued');
    await start('beta');
    expect(await client.waitForJob(waitingId, { timeoutMs: 60_000 })).toMatchObject({ state: 'succeeded', host: 'beta', cwd: two.worktreePath });
    const after = JSON.parse((await kingly(['parallel', 'status', 'two', '--json'], env, { cwd: repo.path })).stdout) as { streams: Array<{ host: string; agent: { turns: number }; git: { ahead: number } }> };
    expect(after.streams[0]).toMatchObject({ host: 'beta', agent: { turns: 10 }, git: { ahead: 5 } });
  }, 240_000);

  it('run --host of a host without a worker: the job waits queued (listed on its host queue) until a worker of that host starts', async () => {
    const run = await kingly(['run', '--host', 'gamma', '--json', '--', 'echo', 'on gamma'], env, { cwd: repo.path });
    expect(run.exitCode, run.stderr).toBe(0);
    const { id } = JSON.parse(run.stdout) as { id: string };
    // A job queued after it on the shared queue is taken and ends; the gamma job is still waiting.
    const later = await kingly(['run', '--json', '--', 'true'], env, { cwd: repo.path });
    const laterId = (JSON.parse(later.stdout) as { id: string }).id;
    expect((await client.waitForJob(laterId, { timeoutMs: 60_000 })).state).toBe('succeeded');
    expect(await client.getJob(id)).toMatchObject({ state: 'queued', queue: 'commands@gamma', host: null });
    const jobs = await kingly(['jobs', '--queue', 'commands@gamma', '--json'], env, { cwd: repo.path });
    expect(jobs.exitCode, jobs.stderr).toBe(0);
    expect(JSON.parse(jobs.stdout)).toEqual([expect.objectContaining({ id, state: 'queued' })]);
    // A bad host is refused naming the field.
    const bad = await kingly(['run', '--host', 'no way', '--', 'true'], env, { cwd: repo.path });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/host: expected 1 to 100 letters/);
    const badWorker = await kingly(['worker', '--host-id', 'no way'], env, { cwd: repo.path });
    expect(badWorker.exitCode).toBe(2);
    expect(badWorker.stderr).toMatch(/--host-id.*expected 1 to 100 letters/);

    await start('gamma', []);
    const done = await client.waitForJob(id, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ state: 'succeeded', host: 'gamma' });
    const logs = await kingly(['logs', id], env, { cwd: repo.path });
    expect(logs.stdout).toBe('on gamma\n');
  }, 120_000);
});
