import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, uniqueName, waitFor } from '@kingly/testing';
import { kingly, lines, workerForFile } from './helpers.js';

// Control by name and by state through the built binary and a real `kingly worker`: restart,
// pause/resume, priorities, --after and the worker's concurrency. The tests run in order and some
// change the file's queue or worker, so each puts back what it changed.
const { env, worker } = workerForFile('control', ['--concurrency', '4']);
const dir = tempDir('kingly-cli-control');
afterAll(() => dir.remove());

interface Shown {
  id: string;
  name: string;
  state: string;
  exitCode: number | null;
  command: string;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

const show = async (id: string): Promise<Shown> => {
  const result = await kingly(['show', '--json', id], env);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Shown;
};
const run = async (...args: string[]): Promise<string> => {
  const result = await kingly(['run', ...args], env);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
};
/** A command that runs until `file` exists, then prints `label` and exits `code`. */
const blocked = (file: string, label: string, code = 0): string => `while [ ! -e ${file} ]; do sleep 0.05; done; echo ${label}; exit ${code}`;
const stateOf = async (id: string): Promise<string> => (await show(id)).state;
const untilState = (id: string, state: string): Promise<unknown> =>
  waitFor(async () => (await stateOf(id)) === state, { timeoutMs: 30_000, message: `job ${id} to be ${state}` });

describe('kingly restart', () => {
  it('runs an ended job again as a new job with the same spec; NAME means the newest; -f follows', async () => {
    const name = uniqueName('flaky');
    const first = await run('--name', name, '--env', 'WHO=restarted', 'echo "hello $WHO"; exit 3');
    expect((await kingly(['wait', first], env)).exitCode).toBe(3);

    const again = await kingly(['restart', '--json', name], env);
    expect(again.exitCode, again.stderr).toBe(0);
    const { id, restartOf } = JSON.parse(again.stdout) as { id: string; restartOf: string };
    expect(restartOf).toBe(first);
    expect(id).not.toBe(first);
    expect((await kingly(['wait', id], env)).exitCode).toBe(3);
    expect(await show(id)).toMatchObject({ name, command: 'echo "hello $WHO"; exit 3', state: 'failed', exitCode: 3 });
    expect((await kingly(['logs', id], env)).stdout).toBe('hello restarted\n');

    // The newest job with the name is now the restarted one; -f prints and exits with its code.
    const followed = await kingly(['restart', '-f', name], env);
    expect(followed.stdout).toBe('hello restarted\n');
    expect(followed.exitCode).toBe(3);
  });

  it('refuses a job that has not ended, and an unknown one', async () => {
    const gate = join(dir.path, uniqueName('gate'));
    const id = await run(blocked(gate, 'done'));
    await untilState(id, 'running');
    const refused = await kingly(['restart', id], env);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/is running, not ended/);
    writeFileSync(gate, '');
    expect((await kingly(['wait', id], env)).exitCode).toBe(0);
    const unknown = await kingly(['restart', 'no-such-job-anywhere'], env);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("no job with id or name 'no-such-job-anywhere'");
  });
});

describe('kingly pause / resume', () => {
  it('paused: queued jobs wait and status says so; resumed: they run', async () => {
    const paused = await kingly(['pause'], env);
    expect(paused.exitCode, paused.stderr).toBe(0);
    expect(paused.stdout).toContain("queue 'commands' paused");
    try {
      const status = await kingly(['status'], env);
      expect(lines(status.stdout)[0]).toMatch(/^queue 'commands' is PAUSED/);
      expect((JSON.parse((await kingly(['status', '--json'], env)).stdout) as { paused: string[] }).paused).toEqual(['commands']);
      const id = await run('echo ran');
      // A bounded wait that must run out: the job is not taken while the queue is paused.
      const waited = await kingly(['wait', '--timeout', '2s', id], env);
      expect(waited.exitCode).not.toBe(0);
      expect(await stateOf(id)).toBe('queued');
      const resumed = await kingly(['resume', '--json'], env);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ queue: 'commands', paused: false });
      expect((await kingly(['wait', id], env)).exitCode).toBe(0);
      expect((JSON.parse((await kingly(['status', '--json'], env)).stdout) as { paused: string[] }).paused).toEqual([]);
    } finally {
      await kingly(['resume'], env);
    }
  });
});

describe('kingly concurrency and run --priority', () => {
  it('concurrency 1 runs one job at a time; then priorities order the backlog; concurrency 2 takes a second at once', async () => {
    const one = await kingly(['concurrency', '1', '--json'], env);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual([{ worker: expect.any(String), concurrency: 1 }]);
    await waitFor(async () => (JSON.parse((await kingly(['status', '--json'], env)).stdout) as { workers: Array<{ concurrency: number; pid: number }> }).workers.some((w) => w.pid === worker().pid && w.concurrency === 1), {
      timeoutMs: 20_000,
      message: 'the worker to report concurrency 1 in its heartbeat',
    });
    try {
      // Priorities: queued while paused, then taken one at a time lowest number first.
      const order = join(dir.path, uniqueName('order'));
      await kingly(['pause'], env);
      const ids: string[] = [];
      for (const p of ['3', '1', '2']) ids.push(await run('--priority', p, `echo p${p} >> ${order}`));
      await kingly(['resume'], env);
      expect((await kingly(['wait', ...ids], env)).exitCode).toBe(0);
      expect(readFileSync(order, 'utf8')).toBe('p1\np2\np3\n');

      // Concurrency 1: a second job waits behind a running one, until the worker is told 2.
      const gate = join(dir.path, uniqueName('gate'));
      const first = await run(blocked(gate, 'first'));
      await untilState(first, 'running');
      const second = await run(blocked(gate, 'second'));
      const waited = await kingly(['wait', '--timeout', '2s', second], env);
      expect(waited.exitCode).not.toBe(0);
      expect(await stateOf(second)).toBe('queued');
      const two = await kingly(['concurrency', '2'], env);
      expect(two.stdout).toMatch(/^worker \S+: concurrency 2\n$/);
      await untilState(second, 'running');
      writeFileSync(gate, '');
      expect((await kingly(['wait', first, second], env)).exitCode).toBe(0);
    } finally {
      await kingly(['resume'], env);
      await kingly(['concurrency', '4'], env);
    }
  }, 90_000);

  it('refuses a worker that does not exist and a bad number', async () => {
    const none = await kingly(['concurrency', '2', '--worker', 'no-such-worker'], env);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("no live worker 'no-such-worker'");
    const bad = await kingly(['concurrency', '0'], env);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('expected a whole number from 1 to 10000');
  });
});

describe('kingly run --after', () => {
  it('starts only once the named job succeeded', async () => {
    const name = uniqueName('build');
    const gate = join(dir.path, uniqueName('gate'));
    const build = await run('--name', name, blocked(gate, 'built'));
    await untilState(build, 'running');
    const tests = await run('--after', name, 'echo tested');
    const waited = await kingly(['wait', '--timeout', '2s', tests], env);
    expect(waited.exitCode).not.toBe(0);
    expect(await stateOf(tests)).toBe('queued');
    writeFileSync(gate, '');
    expect((await kingly(['wait', tests], env)).exitCode).toBe(0);
    expect((await kingly(['logs', tests], env)).stdout).toBe('tested\n');
    expect(Date.parse((await show(tests)).startedAt!)).toBeGreaterThanOrEqual(Date.parse((await show(build)).finishedAt!));
  });

  it('is cancelled, saying which job failed, when one of them does not succeed', async () => {
    const ok = await run('true');
    const bad = await run('exit 4');
    const dependent = await run('--after', `${ok},${bad}`, 'echo never');
    expect((await kingly(['wait', dependent], env)).exitCode).not.toBe(0);
    const record = await show(dependent);
    expect(record.state).toBe('cancelled');
    expect(record.reason).toBe(`job ${bad} that it runs after ended failed`);
    expect((await kingly(['logs', dependent], env)).stdout).toBe('');
  });

  it('refuses an unknown job and an empty item', async () => {
    const unknown = await kingly(['run', '--after', 'no-such-job-anywhere', 'true'], env);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("no job with id or name 'no-such-job-anywhere'");
    const empty = await kingly(['run', '--after', 'a,,b', 'true'], env);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('--after expects comma-separated job ids or names');
  });
});
