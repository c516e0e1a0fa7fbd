import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalState, type JobState } from '@kingly/cmd';
import { tempDir, waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';

// examples/ run as their users would run them: separate Node processes that import @kingly/cmd,
// against a real Redis and a real worker.

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

interface Table {
  jobs: Record<string, { command: string; status: string; exitCode?: number | null; eventId?: string }>;
  appliedEvents: string[];
  duplicatesSkipped: number;
}

/** A running example program, its output collected. */
interface Program {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

describe('examples/', () => {
  let h: Harness;
  const dir = tempDir('kingly-examples');
  beforeAll(() => {
    h = createHarness('examples');
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  const run = (script: string, args: readonly string[]): Program => {
    const env: NodeJS.ProcessEnv = { ...process.env, KINGLY_REDIS_URL: h.redisUrl, KINGLY_PREFIX: h.prefix };
    delete env.KINGLY_QUEUE;
    const child = spawn(process.execPath, [join(EXAMPLES, script), ...args], { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
    h.track(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  };

  it('job-system: submits through the library, keeps a JSON table, and after a crash receives every completion it missed, each once', async () => {
    const tablePath = join(dir.path, 'jobs.json');
    const read = (): Table => JSON.parse(readFileSync(tablePath, 'utf8')) as Table;
    const ended = (t: Table): string[] => Object.keys(t.jobs).filter((id) => isTerminalState(t.jobs[id]!.status as JobState));

    // No worker yet: the 30 jobs wait, listed as queued.
    const first = run('job-system/job-system.mjs', ['--table', tablePath, '--submit', '30']);
    await waitFor(() => first.output().includes('ready'), { timeoutMs: 30_000, message: `the job system to submit its jobs (output: ${first.output()})` });
    expect(Object.values(read().jobs).map((j) => j.status)).toEqual(Array(30).fill('queued'));
    const submitted = Object.keys(read().jobs);

    await h.startWorker({ concurrency: 2 });
    await waitFor(() => existsSync(tablePath) && ended(read()).length >= 5, { timeoutMs: 30_000, message: '5 completions in the table' });
    // A crash mid-way: no chance to finish what it was doing.
    first.child.kill('SIGKILL');
    await first.exited;

    // While it is down, its jobs end, and more are run through the library.
    const more = (await h.client.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ command: `echo while down ${i}` })))).map((j) => j.id);
    const records = await h.client.waitForJobs([...submitted, ...more], { timeoutMs: 60_000 });

    const second = run('job-system/job-system.mjs', ['--table', tablePath]);
    await waitFor(() => ended(read()).length === 40, { timeoutMs: 60_000, message: `all 40 completions in the table after the restart (output: ${second.output()})` });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const table = read();
    for (const record of records) {
      expect(table.jobs[record.id], `job ${record.id} in the table`).toMatchObject({ status: record.state, exitCode: record.exitCode });
    }
    // Each completion applied once: 40 distinct event ids, one per job.
    expect(new Set(table.appliedEvents).size).toBe(40);
    expect(table.appliedEvents).toHaveLength(40);
    expect(new Set(Object.values(table.jobs).map((j) => j.eventId)).size).toBe(40);
    expect(records.filter((r) => r.state === 'failed').map((r) => r.exitCode)).toEqual([1, 1, 1, 1]); // jobs 6, 13, 20, 27
  });

  it('plugin: a package that imports @kingly/cmd runs checks as jobs and summarises them', async () => {
    await h.startWorker({ concurrency: 2 });
    const program = run('plugin/run-checks.mjs', ['--json', 'ok=echo fine', 'bad=echo broken >&2; exit 3']);
    expect(await program.exited).toBe(1);
    const results = JSON.parse(program.output().trim().split('\n').at(-1)!) as Array<{ name: string; id: string; state: string; exitCode: number; tail: string[] }>;
    expect(results.map(({ name, state, exitCode, tail }) => ({ name, state, exitCode, tail }))).toEqual([
      { name: 'ok', state: 'succeeded', exitCode: 0, tail: ['fine'] },
      { name: 'bad', state: 'failed', exitCode: 3, tail: ['broken'] },
    ]);
    // They are kingly jobs like any other, run where the plugin was run.
    for (const r of results) expect(await h.client.getJob(r.id)).toMatchObject({ name: `check ${r.name}`, cwd: dir.path });
  });
});
