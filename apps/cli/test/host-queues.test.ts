import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, uniqueName, waitFor } from '@kingly/testing';
import { kingly, startWorkerProcess, workerForFile, type WorkerProcess } from './helpers.js';

// Host queues (<queue>@<host>, kingly run --host) in kingly status and under kingly pause/resume,
// through the built binary and real `kingly worker` processes of host ids of their own.
const { env } = workerForFile('host-queues', ['--concurrency', '2', '--host-id', 'hq-box']);
const dir = tempDir('kingly-cli-host-queues');
const later: WorkerProcess[] = [];
afterAll(async () => {
  await Promise.all(later.map((w) => w.stop()));
  dir.remove();
}, 60_000);

interface HostQueue {
  queue: string;
  host: string;
  queued: number;
  running: number;
  paused: boolean;
}
interface Status {
  hostQueues: HostQueue[];
  paused: string[];
}

const run = async (...args: string[]): Promise<string> => {
  const result = await kingly(['run', ...args], env);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
};
const status = async (): Promise<Status> => {
  const result = await kingly(['status', '--json'], env);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Status;
};
const stateOf = async (id: string): Promise<string> => (JSON.parse((await kingly(['show', '--json', id], env)).stdout) as { state: string }).state;
const untilState = (id: string, state: string): Promise<unknown> =>
  waitFor(async () => (await stateOf(id)) === state, { timeoutMs: 30_000, message: `job ${id} to be ${state}` });
/** A command that runs until `file` exists. */
const blocked = (file: string): string => `while [ ! -e ${file} ]; do sleep 0.05; done`;

describe('kingly status: host queues', () => {
  it('lists the host queues with jobs, queued and running, in text and --json', async () => {
    const gate = join(dir.path, uniqueName('gate'));
    const waiting = await run('--host', 'hq-nobody', 'echo never');
    const running = await run('--host', 'hq-box', blocked(gate));
    await untilState(running, 'running');
    try {
      const json = await status();
      expect(json.hostQueues).toEqual([
        { queue: 'commands@hq-box', host: 'hq-box', queued: 0, running: 1, paused: false },
        { queue: 'commands@hq-nobody', host: 'hq-nobody', queued: 1, running: 0, paused: false },
      ]);
      const text = (await kingly(['status'], env)).stdout;
      expect(text).toContain('host queues:\n  commands@hq-box  queued 0, running 1\n  commands@hq-nobody  queued 1, running 0\n');
    } finally {
      writeFileSync(gate, '');
      await kingly(['kill', waiting], env);
    }
    expect((await kingly(['wait', running], env)).exitCode).toBe(0);
    // Nothing queued or running on them any more: not listed.
    expect((await status()).hostQueues).toEqual([]);
  }, 90_000);
});

describe('kingly pause / resume: host queues', () => {
  it('pauses and resumes the host queues of the queue, and a host queue first known after the pause follows it', async () => {
    const paused = await kingly(['pause', '--json'], env);
    expect(paused.exitCode, paused.stderr).toBe(0);
    // hq-box: its worker made it known (so did a job sent to hq-nobody by the test before, if it ran).
    expect(JSON.parse(paused.stdout)).toMatchObject({ queue: 'commands', paused: true, hostQueues: expect.arrayContaining(['commands@hq-box']) });
    try {
      const onBox = await run('--host', 'hq-box', 'echo box');
      // A host that had no worker and no job when the queue was paused: its worker starts now.
      const onLater = await run('--host', 'hq-later', 'echo later');
      later.push(await startWorkerProcess(env, ['--host-id', 'hq-later']));
      // Bounded waits that must run out: neither job is taken while the queue is paused.
      expect((await kingly(['wait', '--timeout', '3s', onBox, onLater], env)).exitCode).not.toBe(0);
      expect([await stateOf(onBox), await stateOf(onLater)]).toEqual(['queued', 'queued']);
      const seen = await status();
      expect(seen.paused).toEqual(expect.arrayContaining(['commands', 'commands@hq-box', 'commands@hq-later']));
      expect(seen.hostQueues.filter((q) => q.queued > 0).map((q) => [q.queue, q.paused])).toEqual([
        ['commands@hq-box', true],
        ['commands@hq-later', true],
      ]);
      const resumed = await kingly(['resume', '--json'], env);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ queue: 'commands', paused: false, hostQueues: expect.arrayContaining(['commands@hq-box', 'commands@hq-later']) });
      expect((await kingly(['wait', onBox, onLater], env)).exitCode).toBe(0);
      expect((await status()).paused).toEqual([]);
    } finally {
      await kingly(['resume'], env);
    }
  }, 120_000);
});
