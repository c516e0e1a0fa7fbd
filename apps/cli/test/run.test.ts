import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@kingly/testing';
import { kingly, lines, workerForFile } from './helpers.js';

const { env, worker } = workerForFile('run', ['--concurrency', '4']);

interface JobJson {
  id: string;
  state: string;
  exitCode: number | null;
  command: string;
  cwd: string;
  name: string;
}

describe('kingly run', () => {
  it('prints the job id alone on stdout; --json prints {"id"}', async () => {
    const plain = await kingly(['run', 'true'], env);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toMatch(/^[A-Za-z0-9_.-]+\n$/);
    const json = await kingly(['run', '--json', 'true'], env);
    expect(json.exitCode).toBe(0);
    const { id } = JSON.parse(json.stdout) as { id: string };
    expect(id).toMatch(/^[A-Za-z0-9_.-]+$/);
    const wait = await kingly(['wait', id], env);
    expect(wait.exitCode).toBe(0);
  });

  it('-f prints stdout on stdout and stderr on stderr, and exits with the job code', async () => {
    const result = await kingly(['run', '-f', 'echo out; echo err >&2; exit 7'], env);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(result.exitCode).toBe(7);
  });

  it('--monitor is --follow', async () => {
    const result = await kingly(['run', '--monitor', 'echo hello; exit 3'], env);
    expect(result.stdout).toBe('hello\n');
    expect(result.exitCode).toBe(3);
  });

  it('a signal ends with 128+n', async () => {
    const result = await kingly(['run', '-f', 'kill -TERM $$'], env);
    expect(result.exitCode).toBe(128 + 15);
  });

  it('words after the first are the command, options and all; -- before a command that starts with a dash', async () => {
    const result = await kingly(['run', '-f', 'echo', '-n', 'a', '--name', 'b'], env);
    // A last line without a newline is printed as a line.
    expect(result.stdout).toBe('a --name b\n');
    expect(result.exitCode).toBe(0);
    const dashed = await kingly(['run', '--json', '--', '--version', '-f'], env);
    expect(dashed.exitCode).toBe(0);
    const { id } = JSON.parse(dashed.stdout) as { id: string };
    const show = await kingly(['show', '--json', id], env);
    expect((JSON.parse(show.stdout) as JobJson).command).toBe('--version -f');
  });

  it('--cwd, --env and --name reach the job', async () => {
    const dir = tempDir('kingly-cli-cwd');
    try {
      const result = await kingly(['run', '-f', '--cwd', dir.path, '--env', 'GREETING=hi there', '--env', 'EMPTY=', '--name', 'greet', 'pwd; echo "$GREETING"; echo "[$EMPTY]"'], env);
      expect(result.exitCode).toBe(0);
      expect(lines(result.stdout)).toEqual([dir.path, 'hi there', '[]']);
    } finally {
      dir.remove();
    }
  });

  it('--cwd defaults to the current directory, made absolute', async () => {
    const dir = tempDir('kingly-cli-cwd');
    try {
      const { stdout } = await kingly(['run', '--json', 'pwd'], env, { cwd: dir.path });
      const { id } = JSON.parse(stdout) as { id: string };
      const show = await kingly(['show', '--json', id], env);
      expect((JSON.parse(show.stdout) as JobJson).cwd).toBe(dir.path);
    } finally {
      dir.remove();
    }
  });

  it("-f 'seq 1 100000' prints exactly 100000 lines", async () => {
    const result = await kingly(['run', '-f', 'seq 1 100000'], env, { timeoutMs: 120_000 });
    expect(result.exitCode).toBe(0);
    const out = lines(result.stdout);
    expect(out).toHaveLength(100_000);
    expect(out[0]).toBe('1');
    expect(out[99_999]).toBe('100000');
    expect(out.every((line, i) => line === String(i + 1))).toBe(true);
    expect(result.stderr).toBe('');
  }, 150_000);
});

describe('jobs, show, logs, wait, status', () => {
  let failedId: string;

  beforeAll(async () => {
    const { stdout } = await kingly(['run', 'echo out; echo err >&2; exit 7'], env);
    failedId = stdout.trim();
    expect((await kingly(['wait', failedId], env)).exitCode).toBe(7);
  }, 60_000);

  it('jobs --json lists the failed job with exitCode 7, newest first', async () => {
    const newer = (await kingly(['run', 'true'], env)).stdout.trim();
    await kingly(['wait', newer], env);
    const result = await kingly(['jobs', '--json', '--limit', '500'], env);
    expect(result.exitCode).toBe(0);
    const jobs = JSON.parse(result.stdout) as JobJson[];
    const job = jobs.find((j) => j.id === failedId);
    expect(job).toMatchObject({ id: failedId, state: 'failed', exitCode: 7, command: 'echo out; echo err >&2; exit 7' });
    expect(jobs.findIndex((j) => j.id === newer)).toBeLessThan(jobs.findIndex((j) => j.id === failedId));
  });

  it('jobs --state failed filters; jobs prints a table', async () => {
    const failed = JSON.parse((await kingly(['jobs', '--json', '--state', 'failed', '--limit', '500'], env)).stdout) as JobJson[];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((j) => j.state === 'failed')).toBe(true);
    const table = await kingly(['jobs', '--limit', '500'], env);
    expect(table.exitCode).toBe(0);
    expect(lines(table.stdout)[0]).toMatch(/^ID\s+STATE\s+EXIT/);
    expect(table.stdout).toMatch(new RegExp(`${failedId}\\s+failed\\s+7`));
  });

  it('jobs --limit N --before ID pages through every job, newest first, no duplicates', async () => {
    const whole = (JSON.parse((await kingly(['jobs', '--json', '--limit', '500'], env)).stdout) as JobJson[]).map((j) => j.id);
    expect(whole.length).toBeGreaterThan(2);
    const stitched: string[] = [];
    for (let before: string | undefined; ; ) {
      const page = JSON.parse((await kingly(['jobs', '--json', '--limit', '2', ...(before ? ['--before', before] : [])], env)).stdout) as JobJson[];
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(2);
      stitched.push(...page.map((j) => j.id));
      before = page.at(-1)!.id;
    }
    expect(stitched).toEqual(whole);
    expect(new Set(stitched).size).toBe(stitched.length);
    const bad = await kingly(['jobs', '--before', 'not an id'], env);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--before must be a job id');
  });

  it('show prints the record; --json the same record', async () => {
    const text = await kingly(['show', failedId], env);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/state:\s+failed/);
    expect(text.stdout).toMatch(/exit code:\s+7/);
    const json = JSON.parse((await kingly(['show', '--json', failedId], env)).stdout) as JobJson;
    expect(json).toMatchObject({ id: failedId, state: 'failed', exitCode: 7 });
  });

  it('logs replays both lines, each on its stream; --json is one object per line; --tail', async () => {
    const result = await kingly(['logs', failedId], env);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    const jsonResult = await kingly(['logs', '--json', failedId], env);
    expect(jsonResult, jsonResult.stderr).toMatchObject({ exitCode: 0, stderr: '' });
    const json = lines(jsonResult.stdout).map((l) => JSON.parse(l) as { stream: string; line: string });
    expect(json.map(({ stream, line }) => ({ stream, line }))).toEqual([
      { stream: 'stdout', line: 'out' },
      { stream: 'stderr', line: 'err' },
    ]);
    const tail = await kingly(['logs', '--tail', '1', failedId], env);
    expect(tail.stdout).toBe('');
    expect(tail.stderr).toBe('err\n');
  });

  it('logs -f on a running job follows it to the end', async () => {
    const id = (await kingly(['run', 'echo first; sleep 1; echo second'], env)).stdout.trim();
    const result = await kingly(['logs', '-f', id], env);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('first\nsecond\n');
  });

  it('wait exits with the job code; with several, non-zero when any failed', async () => {
    const ok = (await kingly(['run', 'sleep 0.2'], env)).stdout.trim();
    const three = (await kingly(['run', 'exit 3'], env)).stdout.trim();
    expect((await kingly(['wait', ok], env)).exitCode).toBe(0);
    expect((await kingly(['wait', three], env)).exitCode).toBe(3);
    const both = await kingly(['wait', ok, three], env);
    expect(both.exitCode).toBe(3);
    expect(both.stderr).toContain(three);
    const json = await kingly(['wait', '--json', ok, failedId], env);
    expect(json.exitCode).toBe(7);
    expect((JSON.parse(json.stdout) as JobJson[]).map((j) => j.state)).toEqual(['succeeded', 'failed']);
  });

  it('wait --timeout gives up with exit 1 when the job goes on', async () => {
    const id = (await kingly(['run', 'sleep 5'], env)).stdout.trim();
    const result = await kingly(['wait', '--timeout', '300ms', id], env);
    expect(result.exitCode).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(id);
  });

  it('status --json has counts, workers and running', async () => {
    const result = await kingly(['status', '--json'], env);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as {
      counts: Record<string, number>;
      workers: Array<Record<string, unknown>>;
      running: unknown[];
    };
    expect(Object.keys(report.counts).sort()).toEqual(
      ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out', 'memory-limit', 'spawn-failed', 'worker-lost'].sort(),
    );
    expect(report.counts.failed).toBeGreaterThan(0);
    const me = report.workers.find((w) => w.pid === worker().pid);
    expect(me).toBeDefined();
    for (const key of ['id', 'host', 'pid', 'concurrency', 'running', 'startedAt', 'lastSeenAt']) expect(me).toHaveProperty(key);
    expect(Array.isArray(report.running)).toBe(true);
    const text = await kingly(['status'], env);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^jobs: queued \d+, running \d+/);
    expect(text.stdout).toContain(String(worker().pid));
  });
});
