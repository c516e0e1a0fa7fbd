import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { uniqueName, waitFor } from '@kingly/testing';
import { kingly, startWorkerProcess, workerForFile, type WorkerProcess } from './helpers.js';

// Plain BullMQ ids are unique only per queue: show/logs/kill/wait take `--queue`, and a bare id
// found on two queues is an error that lists both.
const { env } = workerForFile('plain-ids', ['--queue', 'alpha']);
// A plain id of this run's own: a process of a job is found by KINGLY_JOB_ID (its id), so two runs of
// this file at once with one fixed id would find and kill each other's processes.
const job = uniqueName('job7');

describe('a plain BullMQ id on two queues, from the command line', () => {
  let beta: WorkerProcess;
  let client: KinglyClient;
  const queues: Queue[] = [];
  beforeAll(async () => {
    beta = await startWorkerProcess(env, ['--queue', 'beta']);
    client = new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
    const connection = await client.redis();
    for (const [name, command] of [['alpha', 'echo alpha says hi'], ['beta', 'echo beta says hi; sleep 300']] as const) {
      const queue = new Queue(name, { connection: connection.duplicate(), prefix: env.KINGLY_PREFIX! });
      queues.push(queue);
      await queue.add('plain', { command }, { jobId: job });
    }
    await client.waitForJob(`alpha:${job}`, { timeoutMs: 20_000 });
    await waitFor(async () => (await client.findJob(`beta:${job}`))?.state === 'running', { timeoutMs: 20_000, message: `${job} on queue beta to run` });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await client.close();
    await beta.stop();
  });

  it('show <id> is ambiguous and lists both; --queue says which; the qualified id works alone', async () => {
    const ambiguous = await kingly(['show', job], env);
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toMatch(new RegExp(`job id '${job}' is on 2 queues: alpha \\(alpha:${job}\\), beta \\(beta:${job}\\)`));
    expect(ambiguous.stderr).toMatch(/--queue alpha/);
    const alpha = await kingly(['show', '--json', job, '--queue', 'alpha'], env);
    expect(alpha.exitCode, alpha.stderr).toBe(0);
    expect(JSON.parse(alpha.stdout)).toMatchObject({ id: `alpha:${job}`, queue: 'alpha', state: 'succeeded' });
    const qualified = await kingly(['show', '--json', `beta:${job}`], env);
    expect(JSON.parse(qualified.stdout)).toMatchObject({ id: `beta:${job}`, queue: 'beta' });
    const nowhere = await kingly(['show', job, '--queue', 'gamma'], env);
    expect(nowhere.exitCode).toBe(1);
    expect(nowhere.stderr).toMatch(new RegExp(`no job with id or name '${job}' on queue 'gamma'`));
  });

  it('a 100 KB id or queue name is refused with a short line that quotes only its start', async () => {
    const id = await kingly(['show', 'x'.repeat(100_000)], env);
    expect(id.exitCode).toBe(1);
    expect(id.stderr).toMatch(/no job with id or name 'x{200}…'/);
    expect(id.stderr.length).toBeLessThan(1000);
    const queue = await kingly(['show', job, '--queue', 'q'.repeat(100_000)], env);
    expect(queue.exitCode).toBe(2);
    expect(queue.stderr).toMatch(/got 'q{100}…'/);
    expect(queue.stderr.length).toBeLessThan(1000);
  });

  it('logs, wait and kill take --queue and act on that job only', async () => {
    const logs = await kingly(['logs', job, '--queue', 'alpha'], env);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toBe('alpha says hi\n');
    const waited = await kingly(['wait', '--queue', 'alpha', job], env);
    expect(waited.exitCode, waited.stderr).toBe(0);
    const killed = await kingly(['kill', '--json', '--grace', '1s', job, '--queue', 'beta'], env);
    expect(killed.exitCode, killed.stderr).toBe(0);
    expect(JSON.parse(killed.stdout)).toMatchObject([{ id: `beta:${job}`, action: 'killed', record: { state: 'cancelled' } }]);
    expect((await client.getJob(`alpha:${job}`)).state).toBe('succeeded');
  });
});
