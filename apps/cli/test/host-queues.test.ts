import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, uniqueName, waitFor } from '@kingly/testing';
import { kingly, workerForFile } from './helpers.js';

// Host queues (<queue>@<host>, kingly run --host) in kingly status, through the built binary and a
// real `kingly worker` of a host id of its own.
const { env } = workerForFile('host-queues', ['--concurrency', '2', '--host-id', 'hq-box']);
const dir = tempDir('kingly-cli-host-queues');
afterAll(() => dir.remove());

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

