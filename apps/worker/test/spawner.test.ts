import { once } from 'node:events';
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { JobData } from '@kingly/cmd';
import { isAlive, pidsWithEnv, uniqueName, waitFor } from '@kingly/testing';
import { RunningJob } from '../src/running-job.js';
import { spawnInGroup, type SpawnedProcess } from '../src/spawn.js';
import { SPAWNERS_PER_PROCESS } from '../src/spawner/spawner-client.js';

/** Everything the process wrote on stdout, once it has exited and its pipes closed. */
async function run(child: SpawnedProcess): Promise<{ stdout: string; code: number | null; signal: string | null }> {
  await once(child, 'spawn');
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.resume();
  const closed = once(child, 'close');
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  await closed;
  return { stdout: Buffer.concat(chunks).toString(), code, signal };
}

describe('the spawner process', () => {
  it('hands over every byte of a command that exits at once, stdout apart from stderr', async () => {
    const lines = 20_000;
    const child = spawnInGroup('/bin/sh', ['-c', `seq 1 ${lines}; echo to-stderr >&2`], '/', {});
    const { stdout, code } = await run(child);
    expect(code).toBe(0);
    expect(stdout.split('\n').filter(Boolean)).toEqual(Array.from({ length: lines }, (_, i) => String(i + 1)));
  });

  it('starts each process as the leader of its own group, with the env given over the worker’s', async () => {
    const child = spawnInGroup('/bin/sh', ['-c', 'echo "$$ $(ps -o pgid= -p $$) $KINGLY_T $HOME"'], '/tmp', { KINGLY_T: 'x y' });
    const { stdout } = await run(child);
    const [pid, pgid, ...rest] = stdout.trim().split(/\s+/);
    expect(Number(pid)).toBe(child.pid);
    expect(Number(pgid)).toBe(child.pid);
    expect(rest).toEqual(['x', 'y', process.env.HOME]);
  });

  it('reports a program that cannot start as an error with its code', async () => {
    const child = spawnInGroup('/no/such/program', [], '/', {});
    const [error] = (await once(child, 'error')) as [Error & { code?: string }];
    expect(error.code).toBe('ENOENT');
  });

  it('a stop that came while the process was being started kills it once it exists', async () => {
    const id = uniqueName('attach');
    // The job is not read by stop() or attach(): only its id and the log are.
    const running = new RunningJob({ id, job: {} as Job<JobData>, limits: {}, log: () => {} });
    // The stop is over before the process exists: it found nothing to kill.
    await running.stop({ state: 'cancelled', signal: 'SIGTERM', reason: 'test' }, { graceMs: 500 });
    const child = spawnInGroup('/bin/sh', ['-c', 'sleep 300 & sleep 300'], '/', { KINGLY_JOB_ID: id });
    await once(child, 'spawn');
    running.attach(child.pid!);
    await running.stopped;
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
  });

  it('spreads starts that are in flight together over every spawner of the process', async () => {
    const children = Array.from({ length: 2 * SPAWNERS_PER_PROCESS }, (_, i) => spawnInGroup('/bin/sh', ['-c', `echo ${i}`], '/', {}));
    expect(new Set(children.map((c) => c.spawnerPid)).size).toBe(SPAWNERS_PER_PROCESS);
    expect((await Promise.all(children.map(run))).map((r) => r.stdout)).toEqual(children.map((_, i) => `${i}\n`));
  });

  it('when the spawner is killed, what it started is killed and reported, and the next spawn gets a new one', async () => {
    const id = uniqueName('spawner-death');
    const child = spawnInGroup('/bin/sh', ['-c', 'sleep 300'], '/', { KINGLY_JOB_ID: id });
    await once(child, 'spawn');
    const spawnerPid = child.spawnerPid!;
    expect(isAlive(spawnerPid)).toBe(true);
    const exited = once(child, 'exit');
    process.kill(spawnerPid, 'SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { message: 'the orphaned job process to be killed' });
    const next = spawnInGroup('/bin/sh', ['-c', 'echo again'], '/', {});
    expect((await run(next)).stdout).toBe('again\n');
    expect(next.spawnerPid).not.toBe(spawnerPid);
    expect(isAlive(spawnerPid)).toBe(false);
  });
});
