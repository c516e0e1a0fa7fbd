import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { kingly, lines, workerForFile } from './helpers.js';

const { env } = workerForFile('groups', ['--concurrency', '4']);

interface JobJson {
  id: string;
  state: string;
  exitCode: number | null;
  group: string | null;
  name: string;
  command: string;
  reason: string | null;
}

const show = async (id: string): Promise<JobJson> => JSON.parse((await kingly(['show', '--json', id], env)).stdout) as JobJson;
const groupJobs = async (group: string): Promise<JobJson[]> => JSON.parse((await kingly(['jobs', '--json', '--group', group], env)).stdout) as JobJson[];

describe('run limits', () => {
  it('--timeout: the job ends timed-out, kingly exits non-zero, the log names the limit', async () => {
    const result = await kingly(['run', '-f', '--timeout', '500ms', 'echo started; sleep 30'], env);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe('started\n');
    expect(result.stderr).toMatch(/timed out: ran \S+, the limit is 500ms/);
    const id = /job (\S+) ended timed-out/.exec(result.stderr)?.[1];
    expect(id, result.stderr).toBeDefined();
    expect((await show(id!)).state).toBe('timed-out');
    expect(pidsWithEnv('KINGLY_JOB_ID', id!)).toEqual([]);
  });

  it('defaults.timeout of kingly.config.json applies when --timeout is not given', async () => {
    const dir = tempDir('kingly-cli-defaults');
    try {
      writeFileSync(join(dir.path, 'kingly.config.json'), JSON.stringify({ defaults: { timeout: '300ms', maxMemory: '1G' } }));
      const { stdout } = await kingly(['run', '--json', 'sleep 30'], env, { cwd: dir.path });
      const { id } = JSON.parse(stdout) as { id: string };
      expect((await kingly(['wait', id], env)).exitCode).not.toBe(0);
      expect((await show(id)).state).toBe('timed-out');
    } finally {
      dir.remove();
    }
  });

  it('--timeout, --max-memory, --attempts and -j are checked, naming the option', async () => {
    for (const [args, message] of [
      [['--timeout', 'forever'], "--timeout must be a duration like 500ms, 30s, 10m or 2h, got 'forever'"],
      [['--max-memory', 'lots'], "--max-memory must be a size like 512K, 200M or 2G, got 'lots'"],
      [['--attempts', '0'], "'--attempts <n>' argument '0' is invalid"],
      [['--parallel', '-j', 'x'], "'-j, --jobs <n>' argument 'x' is invalid"],
    ] as const) {
      const result = await kingly(['run', ...args, 'true'], env);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it('--attempts N runs a failing command N times in all', async () => {
    const { stdout } = await kingly(['run', '--json', '--attempts', '2', 'echo try; exit 3'], env);
    const { id } = JSON.parse(stdout) as { id: string };
    expect((await kingly(['wait', id], env)).exitCode).toBe(3);
    expect(JSON.parse((await kingly(['show', '--json', id], env)).stdout)).toMatchObject({ attempt: 2, attempts: 2 });
  });
});

describe('run --parallel', () => {
  it('a group of three with one failing: every line attributed with [name], a summary, exit non-zero', async () => {
    const result = await kingly(
      ['run', '--parallel', '-f', 'echo a1; echo a2', 'echo b1; echo e >&2; exit 4', 'sleep 0.3; echo c1'],
      env,
    );
    expect(result.exitCode).toBe(4);
    const out = lines(result.stdout);
    expect(out.filter((l) => l.startsWith('[echo a1; echo a2] '))).toEqual(['[echo a1; echo a2] a1', '[echo a1; echo a2] a2']);
    expect(out).toContain('[echo b1; echo e >&2; exit 4] b1');
    expect(out).toContain('[sleep 0.3; echo c1] c1');
    expect(out).toHaveLength(4);
    expect(result.stderr).toContain('[echo b1; echo e >&2; exit 4] e');
    expect(result.stderr).toMatch(/\[kingly\] \[echo b1; echo e >&2; exit 4\] failed \(exit 4\): kingly logs \S+/);
    expect(result.stderr).toMatch(/\[kingly\] group \S+: 3 jobs, .*2 succeeded.*1 failed/);
  });

  it('all succeeding exits 0; --json -f prints the group, then lines with the job id', async () => {
    const result = await kingly(['run', '--parallel', '-f', '--json', 'echo x', 'echo y'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    const [head, ...rest] = lines(result.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(head).toMatchObject({ group: expect.any(String), ids: [expect.any(String), expect.any(String)] });
    const ids = head!.ids as string[];
    expect(rest.map(({ job, name, line }) => ({ job, name, line })).sort((a, b) => String(a.line).localeCompare(String(b.line)))).toEqual([
      { job: ids[0], name: 'echo x', line: 'x' },
      { job: ids[1], name: 'echo y', line: 'y' },
    ]);
  });

  it('--fail-fast: the first failure cancels the others, and no process of theirs is left', async () => {
    const result = await kingly(['run', '--parallel', '--fail-fast', '--json', 'sleep 300', 'sleep 300', 'sleep 0.5; exit 5'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    const { group, ids } = JSON.parse(result.stdout) as { group: string; ids: string[] };
    const wait = await kingly(['wait', '--group', group], env);
    expect(wait.exitCode).not.toBe(0);
    const states = await Promise.all(ids.map(show));
    expect(states.map((j) => j.state)).toEqual(['cancelled', 'cancelled', 'failed']);
    for (const id of ids) expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    const followed = await kingly(['run', '--parallel', '--fail-fast', '-f', 'sleep 300', 'sleep 0.5; exit 6'], env);
    expect(followed.exitCode).toBe(6); // the failure's code, not the cancelled job's
    expect(followed.stderr).toMatch(/1 cancelled/);
  });

  it('--from-file - reads one command per line (blank lines and # comments skipped); --group names the group; -j caps it', async () => {
    const group = uniqueName('g');
    const input = '# build steps\necho one\n\n  echo two  \n# done\necho three\n';
    const result = await kingly(['run', '--from-file', '-', '--group', group, '-j', '1', '--json'], env, { input });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ group, ids: [expect.any(String), expect.any(String), expect.any(String)] });
    const wait = await kingly(['wait', '--group', group, '--json'], env);
    expect(wait.exitCode, wait.stderr).toBe(0);
    expect((JSON.parse(wait.stdout) as JobJson[]).map((j) => j.command)).toEqual(['echo one', 'echo two', 'echo three']);
    const jobs = await groupJobs(group);
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(jobs.every((j) => j.group === group)).toBe(true);
    const empty = await kingly(['run', '--from-file', '-'], env, { input: '# nothing\n\n' });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('--from-file: expected one command per line, got none');
  });

  it('jobs, wait and kill --group act on every job of the group', async () => {
    const group = uniqueName('g');
    const result = await kingly(['run', '--parallel', '--group', group, 'sleep 300', 'sleep 300'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    const ids = lines(result.stdout);
    expect(ids).toHaveLength(2);
    await waitFor(async () => (await groupJobs(group)).every((j) => j.state === 'running'), { timeoutMs: 20_000, message: `group ${group} to run` });
    const table = await kingly(['jobs', '--group', group], env);
    for (const id of ids) expect(table.stdout).toMatch(new RegExp(`${id}\\s+running`));
    const killed = await kingly(['kill', '--group', group, '--grace', '1s'], env);
    expect(killed.exitCode, killed.stderr).toBe(0);
    for (const id of ids) expect(killed.stdout).toMatch(new RegExp(`${id}\\s+killed\\s+cancelled`));
    for (const id of ids) expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    const wait = await kingly(['wait', '--group', group], env);
    expect(wait.exitCode).toBe(128 + 15);
    expect((await kingly(['wait', '--group', uniqueName('none')], env)).stderr).toContain('no job in group');
  });
});
