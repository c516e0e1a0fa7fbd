import { describe, expect, it } from 'vitest';
import { fixture, pidsWithEnv, uniqueName, waitFor } from '@kingly/testing';
import { kingly, lines, workerForFile } from './helpers.js';

// The worker is another process than each `kingly kill`: the kill goes through Redis.
const { env } = workerForFile('kill', ['--concurrency', '4']);

interface KillJson {
  id: string;
  action?: string;
  record?: { state: string; signal: string | null };
  error?: { code: string; message: string };
}

const show = async (id: string): Promise<{ state: string; signal: string | null }> => JSON.parse((await kingly(['show', '--json', id], env)).stdout);

/** Runs a command on the worker and waits until it runs with at least `processes` processes. */
async function running(command: string, processes: number, extra: string[] = []): Promise<string> {
  const id = (await kingly(['run', ...extra, command], env)).stdout.trim();
  await waitFor(async () => (await show(id)).state === 'running' && pidsWithEnv('KINGLY_JOB_ID', id).length >= processes, {
    timeoutMs: 20_000,
    message: `job ${id} to run with ${processes} processes`,
  });
  return id;
}

describe('kingly kill', () => {
  it('kills a running job whose grandchild left the group and ignores SIGTERM: cancelled, no process left', async () => {
    const id = await running(`sh -c 'sleep 1000 & (setsid sleep 1000 &); trap "" TERM; sleep 1000'`, 3);
    const result = await kingly(['kill', '--grace', '500ms', id], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${id}\\s+killed\\s+cancelled \\(SIGTERM\\)`));
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect(await show(id)).toMatchObject({ state: 'cancelled', signal: 'SIGTERM' });
  });

  it('removes a queued job; --json says what was done; a job that has ended is left alone', async () => {
    const id = (await kingly(['run', '--queue', 'nobody-takes-this', 'true'], env)).stdout.trim();
    const result = await kingly(['kill', '--json', id], env);
    expect(result.exitCode, result.stderr).toBe(0);
    const [entry] = JSON.parse(result.stdout) as KillJson[];
    expect(entry).toMatchObject({ id, action: 'removed', record: { state: 'cancelled' } });
    const again = await kingly(['kill', id], env);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`${id}\\s+had already ended\\s+cancelled`));
  });

  it('--signal is sent first; a bad signal or a missing selection is a usage error', async () => {
    const id = await running(`trap 'echo got INT; exit 0' INT; sleep 100 & wait`, 2);
    // Its background sleep ignores SIGINT (as background jobs of sh do): SIGKILL ends it after the grace.
    const result = await kingly(['kill', '--signal', 'INT', '--grace', '2s', id], env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await kingly(['logs', id], env)).stdout).toContain('got INT');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    for (const args of [['kill', '--signal', 'SIGNOPE', id], ['kill'], ['kill', '--all', id], ['kill', '--all', '--state', 'failed']]) {
      const bad = await kingly(args, env);
      expect(bad.exitCode, args.join(' ')).toBe(2);
      expect(lines(bad.stderr)).toHaveLength(1);
    }
  });

  it('an unknown id: exit 1, the others are still killed', async () => {
    const id = await running('sleep 300', 1);
    const result = await kingly(['kill', '--grace', '1s', 'no-such-job', id], env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("no job with id or name 'no-such-job'");
    expect(result.stdout).toMatch(new RegExp(`${id}\\s+killed\\s+cancelled`));
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
  });

  it('--all --state queued removes the queued jobs only; --all --name narrows to a name', async () => {
    const queue = uniqueName('idle');
    const queued = [];
    for (let i = 0; i < 2; i++) queued.push((await kingly(['run', '--queue', queue, 'true'], env)).stdout.trim());
    const busy = await running('sleep 300', 1, ['--name', 'keep-me']);
    const cancelledCount = async (): Promise<number> => (JSON.parse((await kingly(['status', '--json'], env)).stdout) as { counts: Record<string, number> }).counts.cancelled!;
    const cancelledBefore = await cancelledCount();
    const result = await kingly(['kill', '--all', '--state', 'queued', '--json'], env);
    expect(result.exitCode, result.stderr).toBe(0);
    const killed = JSON.parse(result.stdout) as KillJson[];
    for (const id of queued) expect(killed.find((k) => k.id === id)).toMatchObject({ action: 'removed', record: { state: 'cancelled' } });
    expect(killed.map((k) => k.id)).not.toContain(busy);
    expect((await show(busy)).state).toBe('running');
    // The cancelled jobs are listed and counted as cancelled (they left BullMQ when removed).
    const listed = JSON.parse((await kingly(['jobs', '--json', '--state', 'cancelled', '--limit', '500'], env)).stdout) as Array<{ id: string; state: string }>;
    for (const id of queued) expect(listed.find((j) => j.id === id)).toMatchObject({ state: 'cancelled' });
    expect(await cancelledCount()).toBe(cancelledBefore + queued.length);

    const byName = await kingly(['kill', '--all', '--name', 'keep-me', '--grace', '1s'], env);
    expect(byName.exitCode, byName.stderr).toBe(0);
    expect(lines(byName.stdout)).toHaveLength(2); // the header and the job
    expect(byName.stdout).toContain(busy);
    expect(pidsWithEnv('KINGLY_JOB_ID', busy)).toEqual([]);
    const none = await kingly(['kill', '--all', '--name', 'keep-me'], env);
    expect(none).toMatchObject({ exitCode: 0, stdout: '' });
    expect(none.stderr).toContain('no job to kill');
  });

  it('status shows a CPU-burning job with its live CPU and RSS; kill ends it', async () => {
    const id = await running(`node ${fixture('burn-cpu.js')}`, 1);
    const report = await waitFor(
      async () => {
        const status = JSON.parse((await kingly(['status', '--json'], env)).stdout) as { running: Array<{ id: string; pid: number; cpuPercent: number | null; rssBytes: number | null }> };
        const job = status.running.find((r) => r.id === id);
        return job && job.cpuPercent !== null && job.cpuPercent > 0 && job.rssBytes !== null && job.rssBytes > 0 ? job : undefined;
      },
      { timeoutMs: 20_000, message: `status --json to show the CPU and RSS of job ${id}` },
    );
    expect(report.rssBytes).toBeGreaterThan(1024 * 1024);
    const text = await kingly(['status'], env);
    expect(text.stdout).toMatch(/running jobs:\nID\s+NAME\s+COMMAND\s+PID\s+CPU\s+RSS\s+ELAPSED\s+HOST/);
    expect(text.stdout).toMatch(new RegExp(`${id}\\s+-\\s+node \\S+\\s+${report.pid}\\s+\\d+%\\s+\\S+\\s+\\S+\\s+\\S+`));
    expect((await kingly(['kill', '--grace', '1s', id], env)).exitCode).toBe(0);
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
  });
});
