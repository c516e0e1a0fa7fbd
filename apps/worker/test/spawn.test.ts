import { once } from 'node:events';
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { JobData } from '@kingly/cmd';
import { pidsWithEnv, uniqueName } from '@kingly/testing';
import { RunningJob } from '../src/running-job.js';
import { spawnCommand, spawnInGroup, SpawnError, type SpawnedProcess } from '../src/spawn.js';

/** Everything the process wrote on stdout, once it has exited and its pipes closed. */
async function run(child: SpawnedProcess): Promise<{ stdout: string; code: number | null; signal: string | null }> {
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.resume();
  const closed = once(child, 'close');
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  await closed;
  return { stdout: Buffer.concat(chunks).toString(), code, signal };
}

describe('spawnInGroup', () => {
  it('reads every byte of a command that exits at once, stdout apart from stderr', async () => {
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
    const running = new RunningJob({ id, job: {} as Job<JobData>, limits: {}, log: () => undefined });
    // The stop is over before the process exists: it found nothing to kill.
    await running.stop({ state: 'cancelled', signal: 'SIGTERM', reason: 'test' }, { graceMs: 500 });
    const child = spawnInGroup('/bin/sh', ['-c', 'sleep 300 & sleep 300'], '/', { KINGLY_JOB_ID: id });
    await once(child, 'spawn');
    running.attach(child.pid!);
    await running.stopped;
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
  });

  it.each([
    ['a NUL byte in argv', { argv: ['echo', 'a\0b'] }, /^argv\[1\] contains a NUL byte/],
    ['a NUL byte in the command', { command: 'echo a\0b' }, /^the command contains a NUL byte/],
    ['a NUL byte in an env value', { command: 'true', env: { SECRET: 's3cr3t\0' } }, /^environment variable SECRET contains a NUL byte/],
    ['a 1 MiB argument', { argv: ['echo', 'x'.repeat(1 << 20)] }, /^argument too long \(E2BIG\): argv\[1\] is 1048576 bytes/],
    ['a 1 MiB command', { command: `echo ${'x'.repeat(1 << 20)}` }, /^argument too long \(E2BIG\): the command is 1048581 bytes/],
    ['a 1 MiB env value', { command: 'true', env: { BIG: 'x'.repeat(1 << 20) } }, /^argument too long \(E2BIG\): environment variable BIG is 1048580 bytes/],
    ['2.5 MiB in many arguments', { argv: ['echo', ...Array.from({ length: 40 }, () => 'x'.repeat(64 * 1024))] }, /^argument list too long \(E2BIG\)/],
  ])('refuses %s with a SpawnError naming where, and never the value', (_what, spec, reason) => {
    let error: unknown;
    try {
      spawnCommand(uniqueName('refused'), spec, '/', {}).kill('SIGKILL');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpawnError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toMatch(/s3cr3t|xxxx/);
  });
});
