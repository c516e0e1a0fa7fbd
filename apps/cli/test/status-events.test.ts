import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@kingly/testing';
import { KINGLY_BIN, kingly, lines, workerForFile } from './helpers.js';

const { env, worker } = workerForFile('status', ['--concurrency', '2']);

interface EventJson {
  id: string;
  type: string;
  jobId: string;
  name: string;
  state: string;
  exitCode: number | null;
  durationMs: number | null;
  at: number;
}

const jsonLines = <T>(text: string): T[] => lines(text).map((l) => JSON.parse(l) as T);

describe('kingly events', () => {
  it('--json --since ID prints, one per line, only the events after ID: queued, started, finished', async () => {
    const before = await kingly(['events', '--json', '--tail', '1'], env);
    expect(before.exitCode, before.stderr).toBe(0);
    const since = jsonLines<EventJson>(before.stdout)[0]?.id ?? '0';
    const id = (await kingly(['run', '--name', 'seven', 'exit 7'], env)).stdout.trim();
    expect((await kingly(['wait', id], env)).exitCode).toBe(7);
    const result = await kingly(['events', '--json', '--since', since], env);
    expect(result.exitCode, result.stderr).toBe(0);
    const events = jsonLines<EventJson>(result.stdout);
    expect(events.map((e) => e.id)).not.toContain(since);
    const mine = events.filter((e) => e.jobId === id);
    expect(mine.map((e) => e.type)).toEqual(['queued', 'started', 'finished']);
    expect(mine[2]).toMatchObject({ name: 'seven', state: 'failed', exitCode: 7 });
    expect(mine[2]!.durationMs).toBeGreaterThanOrEqual(0);

    // Catching up from the last one seen gives nothing more.
    const last = events.at(-1)!.id;
    expect(await kingly(['events', '--json', '--since', last], env)).toMatchObject({ exitCode: 0, stdout: '' });

    const text = await kingly(['events', '--since', since], env);
    expect(text.stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+finished\\s+${id}\\s+seven\\s+failed\\s+exit 7\\s+\\S+`, 'm'));
  });

  it('--follow prints new events until Ctrl-C (exit 130)', async () => {
    const follower = execa(process.execPath, [KINGLY_BIN, 'events', '--follow', '--json', '--tail', '0'], { env, extendEnv: false, reject: false });
    let out = '';
    follower.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // The follower reads from when it started: run jobs until one of them reaches it.
    await waitFor(
      async () => {
        if (out.includes('"type":"finished"')) return true;
        await kingly(['run', 'true'], env);
        return false;
      },
      { timeoutMs: 30_000, message: 'events -f to print a job finishing' },
    );
    follower.kill('SIGINT');
    const result = await follower;
    expect(result.exitCode).toBe(130);
  });

  it('a bad --since is a usage error', async () => {
    const result = await kingly(['events', '--since', 'yesterday'], env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--since must be a stream id");
  });
});

describe('kingly status', () => {
  it('--json is the client report: counts, workers with liveness, running with live figures, recent failures', async () => {
    const id = (await kingly(['run', 'sleep 300'], env)).stdout.trim();
    const report = await waitFor(
      async () => {
        const r = JSON.parse((await kingly(['status', '--json'], env)).stdout) as {
          counts: Record<string, number>;
          workers: Array<Record<string, unknown>>;
          running: Array<Record<string, unknown>>;
          recentFailures: Array<Record<string, unknown>>;
        };
        const job = r.running.find((j) => j.id === id);
        return job && typeof job.rssBytes === 'number' && typeof job.cpuPercent === 'number' ? r : undefined;
      },
      { timeoutMs: 20_000, message: `status --json to show job ${id} with its first sample` },
    );
    expect(Object.keys(report).sort()).toEqual(['counts', 'hostQueues', 'paused', 'recentFailures', 'running', 'webhooks', 'workers']);
    expect(report.workers.find((w) => w.pid === worker().pid)).toMatchObject({ alive: true, concurrency: 2 });
    const job = report.running.find((j) => j.id === id)!;
    for (const key of ['pid', 'host', 'startedAt', 'cpuPercent', 'rssBytes', 'processCount']) expect(job[key], key).not.toBeNull();
    expect(report.recentFailures.length).toBeGreaterThan(0); // `exit 7` above
    expect(report.recentFailures[0]).toHaveProperty('state');

    const text = await kingly(['status'], env);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^jobs: queued \d+, running 1/);
    expect(text.stdout).toMatch(/WORKER\s+HOST\s+PID\s+QUEUE\s+RUNNING\s+UPTIME\s+LAST HEARTBEAT/);
    expect(text.stdout).toContain(id);
    expect(text.stdout).toMatch(/recent failures:\nID\s+STATE\s+EXIT\s+ENDED\s+COMMAND/);
    expect((await kingly(['kill', '--grace', '1s', id], env)).exitCode).toBe(0);
  });

  it('--watch prints the report again and again when piped, until Ctrl-C (exit 130)', async () => {
    const watcher = execa(process.execPath, [KINGLY_BIN, 'status', '--watch', '--interval', '200ms'], { env, extendEnv: false, reject: false });
    let out = '';
    watcher.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => (out.match(/^jobs: /gm) ?? []).length >= 2, { timeoutMs: 20_000, message: 'status --watch to print two reports' });
    watcher.kill('SIGINT');
    const result = await watcher;
    expect(result.exitCode).toBe(130);
    expect(out).not.toContain('\x1b['); // no screen control codes when not on a terminal
  });

  it('--interval without --watch, or below 100ms, is a usage error', async () => {
    expect((await kingly(['status', '--interval', '1s'], env)).exitCode).toBe(2);
    expect((await kingly(['status', '--watch', '--interval', '10ms'], env)).exitCode).toBe(2);
  });
});
