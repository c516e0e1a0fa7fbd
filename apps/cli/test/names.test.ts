import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { kingly, lines, workerForFile } from './helpers.js';

// Every command that takes a job id also takes a name: the newest job with that name.
const { env } = workerForFile('names', ['--concurrency', '4']);

interface Shown {
  id: string;
  name: string;
  state: string;
  exitCode: number | null;
}

const show = async (idOrName: string): Promise<Shown> => {
  const result = await kingly(['show', '--json', idOrName], env);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Shown;
};

/** Runs a command named `name` to its end and returns its id. */
async function finished(name: string, command: string): Promise<string> {
  const id = (await kingly(['run', '--name', name, command], env)).stdout.trim();
  const waited = await kingly(['wait', id], env);
  expect(waited.stderr).toBe('');
  return id;
}

/** Starts a command named `name` and waits until its process runs. */
async function running(name: string, command: string): Promise<string> {
  const id = (await kingly(['run', '--name', name, command], env)).stdout.trim();
  await waitFor(async () => (await show(id)).state === 'running' && pidsWithEnv('KINGLY_JOB_ID', id).length >= 1, {
    timeoutMs: 20_000,
    message: `job ${id} (${name}) to run`,
  });
  return id;
}

describe('a job name where a job id goes', () => {
  it('show, logs and wait NAME mean the newest job with that name', async () => {
    const name = uniqueName('tests');
    const older = await finished(name, 'echo older; exit 0');
    const newer = await finished(name, 'echo newer; exit 3');
    expect(newer).not.toBe(older);

    expect(await show(name)).toMatchObject({ id: newer, name, state: 'failed', exitCode: 3 });
    const logs = await kingly(['logs', name], env);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toBe('newer\n');
    const waited = await kingly(['wait', name], env);
    expect(waited.exitCode, waited.stderr).toBe(3);
    // The id and the name of one job are waited for once.
    const both = await kingly(['wait', '--json', name, newer], env);
    expect(both.exitCode).toBe(3);
    expect((JSON.parse(both.stdout) as Shown[]).map((r) => r.id)).toEqual([newer]);
  });

  it('wait NAME waits for the newest job with that name to end and exits with its code', async () => {
    const name = uniqueName('gate');
    const dir = tempDir('kingly-names-gate');
    try {
      const gate = join(dir.path, 'open');
      const id = await running(name, `while [ ! -e '${gate}' ]; do sleep 0.05; done; exit 5`);
      const waiting = kingly(['wait', name], env);
      expect((await show(name)).id).toBe(id);
      writeFileSync(gate, ''); // the job cannot end before this, so the wait has waited for it
      const result = await waiting;
      expect(result.exitCode, result.stderr).toBe(5);
      expect(await show(id)).toMatchObject({ state: 'failed', exitCode: 5 });
    } finally {
      dir.remove();
    }
  });

  it('kill NAME ends the newest job with that name that has not ended; --all --name ends every one', async () => {
    const name = uniqueName('build');
    onTestFinished(async () => {
      await kingly(['kill', '--all', '--name', name, '--grace', '1s'], env); // nothing of a failed run is left running
    });
    const first = await running(name, 'sleep 1000');
    const second = await running(name, 'sleep 1000');
    const ended = await finished(name, 'true'); // the newest of all, but it has ended already

    const result = await kingly(['kill', '--grace', '1s', name], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(lines(result.stdout)).toHaveLength(2); // the header and one job
    expect(result.stdout).toMatch(new RegExp(`${second}\\s+killed\\s+cancelled`));
    expect(pidsWithEnv('KINGLY_JOB_ID', second)).toEqual([]);
    expect((await show(first)).state).toBe('running');
    expect((await show(ended)).state).toBe('succeeded');

    const again = await kingly(['kill', '--grace', '1s', name], env);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`${first}\\s+killed\\s+cancelled`));
    expect(pidsWithEnv('KINGLY_JOB_ID', first)).toEqual([]);

    // Nothing of that name is left running: the name means its newest job, which had ended.
    const none = await kingly(['kill', name], env);
    expect(none.exitCode, none.stderr).toBe(0);
    expect(none.stdout).toMatch(new RegExp(`${ended}\\s+had already ended\\s+succeeded`));

    const a = await running(name, 'sleep 1000');
    const b = await running(name, 'sleep 1000');
    const all = await kingly(['kill', '--all', '--name', name, '--grace', '1s', '--json'], env);
    expect(all.exitCode, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as Array<{ id: string }>).map((k) => k.id).sort()).toEqual([a, b].sort());
    expect([...pidsWithEnv('KINGLY_JOB_ID', a), ...pidsWithEnv('KINGLY_JOB_ID', b)]).toEqual([]);
  });

  it('an id that is also the name of another job means the job with that id', async () => {
    const plain = uniqueName('plain');
    const id = await finished(plain, 'echo by-id');
    const named = await finished(id, 'echo by-name; exit 4');
    expect((await show(named)).name).toBe(id);
    expect((await show(plain)).id).toBe(id);

    expect((await show(id)).id).toBe(id);
    expect((await kingly(['logs', id], env)).stdout).toBe('by-id\n');
    expect((await kingly(['wait', id], env)).exitCode).toBe(0);
    const killed = await kingly(['kill', id], env);
    expect(killed.stdout).toMatch(new RegExp(`${id}\\s+had already ended\\s+succeeded`));
  });

  it('an unknown id or name: exit 1 and one line that says so', async () => {
    const unknown = uniqueName('npm-dev');
    for (const command of ['show', 'logs', 'wait', 'kill']) {
      const result = await kingly([command, unknown], env);
      expect(result.exitCode, command).toBe(1);
      expect(lines(result.stderr), command).toEqual([`kingly: no job with id or name '${unknown}'; list jobs with 'kingly jobs'`]);
      expect(result.stdout, command).toBe('');
    }
  });
});
