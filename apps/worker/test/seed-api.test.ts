import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jobIntegration, processManager, spawnProcess, streamLogs, trackJob,
  type CompletionDelivery, type JobIntegration, type JobRecord, type JobSystem,
} from '@kingly/cmd';
import { pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';

const ENV_NAMES = ['KINGLY_REDIS_URL', 'KINGLY_PREFIX', 'KINGLY_QUEUE'] as const;

/** Every line of an async iterable. */
async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

// The seed's names (spawnProcess, trackJob, streamLogs, processManager, jobIntegration) over a
// real Redis and an in-process worker; processManager reads its Redis from the environment, as
// an integrator's program would.
describe('the seed API of @kingly/cmd', () => {
  let h: Harness;
  const savedEnv = new Map<string, string | undefined>(ENV_NAMES.map((name) => [name, process.env[name]]));
  beforeAll(async () => {
    h = createHarness('seed');
    process.env.KINGLY_REDIS_URL = h.redisUrl;
    process.env.KINGLY_PREFIX = h.prefix;
    delete process.env.KINGLY_QUEUE;
    await h.startWorker({ concurrency: 8 });
  });
  afterAll(async () => {
    await processManager.close();
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await h.close();
  });

  it('runs the seed snippet as written: processManager.onComplete hears a job spawnProcess started', async () => {
    const updates: JobRecord[] = [];
    const jobSystem = { updateStatus: (record: JobRecord) => updates.push(record) };
    const off = processManager.onComplete((result) => {
      jobSystem.updateStatus(result);
    });
    try {
      const proc = await spawnProcess('echo from the seed');
      const heard = await waitFor(() => updates.find((r) => r.id === proc.id), { message: `onComplete to hear job ${proc.id}` });
      expect(heard).toMatchObject({ state: 'succeeded', exitCode: 0, cwd: process.cwd(), queue: 'commands' });
      expect(await collect(proc.logs())).toEqual(['from the seed']);
    } finally {
      off();
    }
  });

  it('processManager spawns, gets, lists, kills and reports status through the default client', async () => {
    const proc = await processManager.spawn(['sleep', '300'], { name: uniqueName('pm') });
    await waitFor(async () => (await processManager.get(proc.id)).state === 'running', { message: `job ${proc.id} to run` });
    expect((await processManager.list({ state: 'running' })).map((r) => r.id)).toContain(proc.id);
    expect((await processManager.status()).running.some((r) => r.id === proc.id)).toBe(true);
    const { action, record } = await processManager.kill(proc.id, 'SIGINT', { graceMs: 500 });
    expect(action).toBe('killed');
    expect(record).toMatchObject({ state: 'cancelled', signal: 'SIGINT' });
    expect(processManager.client().keys.prefix).toBe(h.prefix);
  });

  it('spawnProcess gives the output through logs() and the final record through result and wait()', async () => {
    const dir = tempDir('seed-cwd');
    try {
      const proc = await spawnProcess(['sh', '-c', 'pwd; echo "$GREETING"; echo oops >&2; exit 3'], {
        cwd: dir.path,
        env: { GREETING: 'hello' },
        name: 'seed-argv',
      });
      expect(await collect(proc.logs())).toEqual([dir.path, 'hello', 'oops']);
      const result = await proc.result;
      expect(result).toMatchObject({ id: proc.id, state: 'failed', exitCode: 3, cwd: dir.path, name: 'seed-argv', argv: ['sh', '-c', 'pwd; echo "$GREETING"; echo oops >&2; exit 3'] });
      expect(proc.result).toBe(proc.result);
      expect(await proc.wait({ timeoutMs: 5000 })).toEqual(result);
      // A string runs with sh -c, in the caller's directory when no cwd is given.
      const shell = await spawnProcess('pwd && echo two words', { client: h.client });
      expect((await shell.result).state).toBe('succeeded');
      expect(await collect(shell.logs())).toEqual([process.cwd(), 'two words']);
    } finally {
      dir.remove();
    }
  });

  it('spawnProcess refuses a bad spec naming the field', async () => {
    await expect(spawnProcess(['ls'], { cwd: 'relative/dir' })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /cwd/ });
    await expect(spawnProcess([])).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /argv/ });
    await expect(spawnProcess(42 as unknown as string)).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /command must be/ });
  });

  it('kill() ends a running job cancelled and leaves no process of it', async () => {
    const proc = await spawnProcess('sleep 300 & sleep 300; echo never', { client: h.client });
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', proc.id).length >= 3, { message: `job ${proc.id} to run its processes` });
    const { record } = await proc.kill('SIGTERM', { graceMs: 500 });
    expect(record.state).toBe('cancelled');
    expect(await proc.result).toMatchObject({ state: 'cancelled', signal: 'SIGTERM' });
    expect(pidsWithEnv('KINGLY_JOB_ID', proc.id)).toEqual([]);
    expect(await collect(proc.logs())).not.toContain('never');
  });

  it('trackJob gives the same handle for a job the client enqueued, and refuses an unknown id', async () => {
    const { id } = await h.client.enqueue({ command: 'echo a; echo b', cwd: process.cwd() });
    const tracked = await trackJob(id);
    expect(tracked.id).toBe(id);
    expect(await tracked.result).toMatchObject({ id, state: 'succeeded' });
    expect(await collect(tracked.logs())).toEqual(['a', 'b']);
    await expect(trackJob('no-such-job')).rejects.toMatchObject({ code: 'E_JOB_NOT_FOUND' });
  });

  it('streamLogs takes the last lines with tail, and follows live lines until the log ends', async () => {
    const done = await spawnProcess('for i in 1 2 3 4 5; do echo line $i; done', { client: h.client });
    await done.result;
    expect(await collect(streamLogs(done.id, { tail: 2, follow: false }))).toEqual(['line 4', 'line 5']);
    expect(await collect(streamLogs(done.id, { follow: false }))).toHaveLength(5);

    const dir = tempDir('seed-follow');
    try {
      const go = join(dir.path, 'go');
      const live = await spawnProcess(`echo one; echo two; while [ ! -e ${go} ]; do sleep 0.02; done; echo three`, { client: h.client });
      await waitFor(async () => (await collect(streamLogs(live.id, { follow: false }))).length === 2, { message: 'the first two lines' });
      const following = streamLogs(live.id, { tail: 1, follow: true, client: h.client });
      expect((await following.next()).value).toBe('two');
      writeFileSync(go, '');
      expect(await collect(following)).toEqual(['three']);
      expect((await live.result).state).toBe('succeeded');
    } finally {
      dir.remove();
    }
  });

  it('with no Redis URL configured, processManager says to set KINGLY_REDIS_URL or run kingly up', async () => {
    await processManager.close();
    const url = process.env.KINGLY_REDIS_URL;
    delete process.env.KINGLY_REDIS_URL;
    try {
      const failure = processManager.list();
      await expect(failure).rejects.toMatchObject({ name: 'KinglyError', code: 'E_CONFIG_INVALID', hint: /KINGLY_REDIS_URL.*kingly up/ });
      expect(() => processManager.onComplete(() => undefined)).toThrow(/no Redis URL/);
    } finally {
      process.env.KINGLY_REDIS_URL = url;
    }
    expect((await processManager.status()).workers.length).toBeGreaterThan(0);
  });

  describe('jobIntegration', () => {
    const open: JobIntegration[] = [];
    afterAll(async () => {
      await Promise.all(open.map((i) => i.close()));
    });
    const connect = async (jobSystem: JobSystem, options: Parameters<typeof jobIntegration.connect>[1]): Promise<JobIntegration> => {
      const integration = await jobIntegration.connect(jobSystem, options);
      open.push(integration);
      return integration;
    };

    /** A job table keyed by job id that applies each event id once, as a job system de-duplicates. */
    function jobTable() {
      const applied = new Set<string>();
      const byJob = new Map<string, { record: JobRecord; eventIds: string[] }>();
      const deliveries: CompletionDelivery[] = [];
      return {
        applied,
        byJob,
        deliveries,
        apply(record: JobRecord, delivery: CompletionDelivery): void {
          deliveries.push(delivery);
          if (applied.has(delivery.eventId)) return;
          applied.add(delivery.eventId);
          const row = byJob.get(record.id);
          if (row) row.eventIds.push(delivery.eventId);
          else byJob.set(record.id, { record, eventIds: [delivery.eventId] });
        },
      };
    }

    it('a job system that is away while 100 jobs finish, and stops halfway through catching up, gets every completion once', async () => {
      const group = uniqueName('js');
      const table = jobTable();
      const jobSystem: JobSystem = { updateStatus: (record, delivery) => table.apply(record, delivery) };
      const first = await connect(jobSystem, { consumer: 'js-1', group, client: h.client });
      const before = await spawnProcess(['true'], { client: h.client });
      await waitFor(() => table.byJob.has(before.id), { message: 'the live consumer to get the first completion' });
      await first.close();

      // Away: 100 jobs finish with nobody reading.
      const ids = (await h.client.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ argv: ['echo', String(i)], cwd: process.cwd() })))).map((j) => j.id);
      const records = await h.client.waitForJobs(ids, { timeoutMs: 60_000 });
      expect(records.every((r) => r.state === 'succeeded')).toBe(true);
      expect(table.byJob.size).toBe(1);

      // Back, then stopped while the 30th is being applied (the rest of its batch stays pending).
      let reached = false;
      let release = (): void => undefined;
      const second = await connect(
        {
          updateStatus: async (record, delivery) => {
            table.apply(record, delivery);
            if (table.byJob.size === 31 && !reached) {
              reached = true;
              await new Promise<void>((resolve) => (release = resolve));
            }
          },
        },
        { consumer: 'js-1', group, client: h.client, batch: 200 },
      );
      await waitFor(() => reached, { message: `the second run to apply 30 completions (has ${table.byJob.size - 1})` });
      const stopping = second.close();
      release();
      await stopping;
      expect(table.byJob.size).toBe(31);

      // Restarted: the pending ones come back first, then the rest.
      await connect(jobSystem, { consumer: 'js-1', group, client: h.client });
      await waitFor(() => ids.every((id) => table.byJob.has(id)), {
        timeoutMs: 30_000,
        message: `all 100 completions after the restart (have ${table.byJob.size - 1})`,
      });
      for (const id of ids) {
        const row = table.byJob.get(id)!;
        expect(row.eventIds, id).toHaveLength(1);
        expect(row.record.state).toBe('succeeded');
      }
      expect(table.byJob.size).toBe(101);
      expect(table.deliveries.some((d) => d.redelivered)).toBe(true);
      expect(table.deliveries.every((d) => d.event.type === 'finished' && d.event.jobId === d.event.record?.id)).toBe(true);
    }, 90_000);

    it('a job system killed (SIGKILL) after applying a completion but before acknowledging it gets it again after the restart', async () => {
      const group = uniqueName('crash');
      const dir = tempDir('seed-crash');
      try {
        const applied = join(dir.path, 'applied');
        writeFileSync(applied, '');
        // The job system is its own process: it appends "eventId jobId" per completion and is
        // killed with SIGKILL right after the 30th, before the acknowledgement.
        const code = `
          import { appendFileSync } from 'node:fs';
          import { jobIntegration } from '@kingly/cmd';
          let n = 0;
          await jobIntegration.connect({ updateStatus(record, { eventId }) {
            appendFileSync(${JSON.stringify(applied)}, eventId + ' ' + record.id + '\\n');
            if (++n === 30) process.kill(process.pid, 'SIGKILL');
          } }, { consumer: 'js-1', group: ${JSON.stringify(group)}, redisUrl: ${JSON.stringify(h.redisUrl)}, prefix: ${JSON.stringify(h.prefix)} });
        `;
        // The group exists (from '$') before the jobs, as for a job system that ran before.
        await (await jobIntegration.connect({ updateStatus: () => undefined }, { consumer: 'js-1', group, client: h.client })).close();
        const ids = (await h.client.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ argv: ['echo', String(i)], cwd: process.cwd() })))).map((j) => j.id);
        const group0 = new Set(ids);
        await h.client.waitForJobs(ids, { timeoutMs: 60_000 });
        const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
        h.track(child);
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const [, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
        expect(signal, stderr).toBe('SIGKILL');
        const before = readFileSync(applied, 'utf8').trim().split('\n').map((line) => line.split(' ') as [string, string]);
        expect(before).toHaveLength(30);

        const table = jobTable();
        // What the killed run applied is in the job table already.
        for (const [eventId, jobId] of before) {
          table.applied.add(eventId);
          table.byJob.set(jobId, { record: { id: jobId } as JobRecord, eventIds: [eventId] });
        }
        await connect({ updateStatus: (r, d) => table.apply(r, d) }, { consumer: 'js-1', group, client: h.client });
        await waitFor(() => ids.every((id) => table.byJob.has(id)), { message: `every completion after the restart (have ${table.byJob.size})` });
        // The 30th was applied, not acknowledged: it comes again, with the same event id.
        const [lastEventId, lastJob] = before[29]!;
        expect(table.deliveries.find((d) => d.event.jobId === lastJob)).toMatchObject({ eventId: lastEventId, redelivered: true });
        expect([...table.byJob.keys()].filter((id) => group0.has(id))).toHaveLength(100);
        for (const id of ids) expect(table.byJob.get(id)!.eventIds, id).toHaveLength(1);
      } finally {
        dir.remove();
      }
    }, 90_000);

    it('a completion whose updateStatus throws is delivered again with the same event id (at least once)', async () => {
      const table = jobTable();
      const errors: Array<{ error: unknown; delivery: CompletionDelivery | undefined }> = [];
      let victim: string | undefined;
      let thrown = false;
      await connect(
        {
          updateStatus: (record, delivery) => {
            if (record.id === victim && !thrown) {
              thrown = true;
              throw new Error('job table unavailable');
            }
            table.apply(record, delivery);
          },
        },
        { consumer: 'c1', group: uniqueName('retry'), client: h.client, retryDelayMs: 100, onError: (error, delivery) => errors.push({ error, delivery }) },
      );
      const ids = (await h.client.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ argv: ['echo', String(i)], cwd: process.cwd() })))).map((j) => j.id);
      victim = ids[2];
      await waitFor(() => ids.every((id) => table.byJob.has(id)), { message: 'all 5 completions, the failed one again' });
      expect(thrown).toBe(true);
      expect(errors).toHaveLength(1);
      expect(String(errors[0]!.error)).toMatch(/job table unavailable/);
      expect(table.byJob.get(victim!)!.eventIds).toEqual([errors[0]!.delivery!.eventId]);
      expect(table.deliveries.find((d) => d.event.jobId === victim)!.redelivered).toBe(true);
      expect(table.deliveries).toHaveLength(5);
    });

    it("a new group starts at '$' (only later completions) unless from: '0' asks for every kept one", async () => {
      const earlier = await spawnProcess(['true'], { client: h.client });
      await earlier.result;
      const fromNow = jobTable();
      const fromStart = jobTable();
      await connect({ updateStatus: (r, d) => fromNow.apply(r, d) }, { consumer: 'c', group: uniqueName('now'), client: h.client });
      await connect({ updateStatus: (r, d) => fromStart.apply(r, d) }, { consumer: 'c', group: uniqueName('all'), client: h.client, from: '0' });
      const later = await spawnProcess(['true'], { client: h.client });
      await waitFor(() => fromNow.byJob.has(later.id) && fromStart.byJob.has(later.id), { message: 'both groups to get the later job' });
      // Stream order: had the earlier completion been delivered, it would have come first.
      expect(fromNow.byJob.has(earlier.id)).toBe(false);
      expect(fromStart.byJob.has(earlier.id)).toBe(true);
    });

    it('another consumer of the group takes over what a stuck one left unacknowledged', async () => {
      const group = uniqueName('claim');
      let release = (): void => undefined;
      const stuckTable = jobTable();
      const otherTable = jobTable();
      let stuckOn: string | undefined;
      await connect(
        {
          updateStatus: async (record, delivery) => {
            stuckOn ??= record.id;
            if (record.id === stuckOn) await new Promise<void>((resolve) => (release = resolve));
            stuckTable.apply(record, delivery);
          },
        },
        { consumer: 'stuck', group, client: h.client },
      );
      const proc = await spawnProcess(['true'], { client: h.client });
      await waitFor(() => stuckOn === proc.id, { message: 'the first consumer to take the completion' });
      await connect({ updateStatus: (r, d) => otherTable.apply(r, d) }, { consumer: 'other', group, client: h.client, claimIdleMs: 300 });
      const taken = await waitFor(() => otherTable.deliveries.find((d) => d.event.jobId === proc.id), { message: 'the other consumer to claim it' });
      expect(taken.redelivered).toBe(true);
      release();
      await waitFor(() => stuckTable.byJob.has(proc.id), { message: 'the stuck consumer to finish' });
      expect(stuckTable.deliveries[0]!.eventId).toBe(taken.eventId);
    });

    it('refuses bad options naming the field', async () => {
      const js: JobSystem = { updateStatus: () => undefined };
      await expect(jobIntegration.connect(js, { consumer: '', client: h.client })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /consumer/ });
      await expect(jobIntegration.connect(js, { consumer: 'c', group: 'a b', client: h.client })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /group/ });
      await expect(jobIntegration.connect(js, { consumer: 'c', from: 'latest', client: h.client })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /from/ });
      await expect(jobIntegration.connect({} as JobSystem, { consumer: 'c', client: h.client })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /updateStatus/ });
    });
  });
});
