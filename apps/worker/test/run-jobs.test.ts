import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createKeys, eventFields, recordFromData } from '@kingly/cmd';
import { waitFor } from '@kingly/testing';
import { createHarness, logLines, type Harness } from './harness.js';

describe('running jobs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness('run');
    await h.startWorker();
  });
  afterAll(async () => h.close());

  it('routes stdout and stderr, keeps order within each, and records a failed exit', async () => {
    const { id } = await h.client.enqueue({ command: 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 7', cwd: '/tmp' });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record).toMatchObject({ state: 'failed', exitCode: 7, signal: null, cwd: '/tmp', attempt: 1 });
    expect(record.pid).toBeGreaterThan(0);
    expect(record.pgid).toBe(record.pid);
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(record.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt!));
    const lines = await logLines(h.client, id);
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:out1', 'stdout:out2']);
    expect(lines.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:err1', 'stderr:err2']);
  });

  it('completes exit 0 as succeeded and keeps the BullMQ job completed', async () => {
    const { id } = await h.client.enqueue({ command: 'true' });
    expect((await h.client.waitForJob(id, { timeoutMs: 15_000 })).state).toBe('succeeded');
    const queue = await h.client.queue();
    // The kingly record is written first; BullMQ moves the job right after the processor returns.
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', { message: `BullMQ job ${id} to be completed` });
  });

  it('fails the BullMQ job for a non-zero exit so Bull Board shows it red', async () => {
    const { id } = await h.client.enqueue({ command: 'exit 3' });
    await h.client.waitForJob(id, { timeoutMs: 15_000 });
    const queue = await h.client.queue();
    await waitFor(async () => (await queue.getJobState(id)) === 'failed', { message: `BullMQ job ${id} to be failed` });
    expect((await queue.getJob(id))!.failedReason).toMatch(/exit code 3/);
  });

  it('loses none of 10,000 lines and keeps their order', async () => {
    const { id } = await h.client.enqueue({ command: 'seq 1 10000' });
    const seen: string[] = [];
    for await (const entry of h.client.followLogs(id)) seen.push(entry.line);
    expect(seen.length).toBe(10_000);
    expect(seen[0]).toBe('1');
    expect(seen[9999]).toBe('10000');
    expect(seen.every((line, i) => line === String(i + 1))).toBe(true);
  });

  it('counts every line written in the stats hash (for the API metrics)', async () => {
    const redis = await h.client.redis();
    const before = Number((await redis.hget(h.client.keys.stats, 'logLines')) ?? 0);
    const { id } = await h.client.enqueue({ command: 'seq 1 1234' });
    await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(Number(await redis.hget(h.client.keys.stats, 'logLines')) - before).toBe(1234);
  });

  it('caps the stored log at maxLogLines (MAXLEN ~) and says so in a system line that is kept', async () => {
    const capped = createHarness('run-cap');
    try {
      await capped.startWorker({ maxLogLines: 1000 });
      const { id } = await capped.client.enqueue({ command: 'seq 1 5000' });
      await capped.client.waitForJob(id, { timeoutMs: 15_000 });
      const lines = await logLines(capped.client, id);
      // MAXLEN ~ trims whole stream nodes: at least the cap is kept, a little more at most.
      expect(lines.length).toBeGreaterThanOrEqual(1000);
      expect(lines.length).toBeLessThan(1500);
      expect(lines.at(-2)).toBe('stdout:5000');
      expect(lines.at(-1)).toBe('system:[kingly] the job wrote 5000 lines; only the last ~1000 are kept');
      const stdout = lines.filter((l) => l.startsWith('stdout:')).map((l) => Number(l.slice(7)));
      expect(stdout).toEqual(stdout.map((_, i) => stdout[0]! + i));
    } finally {
      await capped.close();
    }
  });

  it('flushes a last line without newline', async () => {
    const { id } = await h.client.enqueue({ command: "printf 'a\\nno-newline'" });
    await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(await logLines(h.client, id)).toEqual(['stdout:a', 'stdout:no-newline']);
  });

  it('stores binary output with invalid bytes replaced, never failing the job', async () => {
    const { id } = await h.client.enqueue({ command: "printf 'x\\377\\376y\\000z\\n'; head -c 3000 /dev/urandom" });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record.state).toBe('succeeded');
    const lines = await logLines(h.client, id);
    expect(lines[0]).toBe('stdout:x\uFFFD\uFFFDy\u0000z');
  });

  it('splits a 200 KiB line into 64 KiB pieces that join back', async () => {
    const { id } = await h.client.enqueue({ command: "head -c 204800 /dev/zero | tr '\\0' 'x'; echo" });
    await h.client.waitForJob(id, { timeoutMs: 15_000 });
    const lines = await logLines(h.client, id);
    expect(lines.length).toBe(4);
    expect(lines.map((l) => l.slice('stdout:'.length)).join('')).toBe('x'.repeat(204_800));
  });

  it('ends spawn-failed with the reason in the log when the cwd is missing', async () => {
    const { id } = await h.client.enqueue({ command: 'true', cwd: '/nonexistent/kingly' });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record.state).toBe('spawn-failed');
    expect(record.reason).toMatch(/\/nonexistent\/kingly does not exist/);
    expect((await logLines(h.client, id)).join('\n')).toMatch(/could not start: working directory \/nonexistent\/kingly does not exist/);
  });

  it('reports a missing command as exit 127 with the shell message', async () => {
    const { id } = await h.client.enqueue({ command: 'kingly-no-such-command-xyz' });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record).toMatchObject({ state: 'failed', exitCode: 127 });
    expect((await logLines(h.client, id)).join('\n')).toMatch(/stderr:.*not found/);
  });

  it('runs an argv without a shell, and a missing program is spawn-failed', async () => {
    const [ok, missing] = (await h.client.enqueueMany([{ argv: ['echo', '$HOME', 'a b'] }, { argv: ['/no/such/program'] }])).map((j) => j.id);
    const [okRecord, missingRecord] = await h.client.waitForJobs([ok!, missing!], { timeoutMs: 15_000 });
    expect(okRecord!.state).toBe('succeeded');
    expect(await logLines(h.client, ok!)).toEqual(['stdout:$HOME a b']);
    const bullJob = await (await h.client.queue()).getJob(missing!);
    expect(missingRecord, JSON.stringify([missingRecord!.state, bullJob?.failedReason, bullJob?.stacktrace])).toMatchObject({ state: 'spawn-failed' });
    expect(missingRecord!.reason).toMatch(/ENOENT/);
  });

  it('merges the job env over the worker env and sets KINGLY_JOB_ID', async () => {
    const { id } = await h.client.enqueue({ command: 'echo "$FOO $KINGLY_JOB_ID"; test -n "$PATH"', env: { FOO: 'bar' } });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record.state).toBe('succeeded');
    expect(await logLines(h.client, id)).toEqual([`stdout:bar ${id}`]);
  });

  it('writes queued, started and finished events, one finished per job', async () => {
    const since = '0';
    const { id } = await h.client.enqueue({ command: 'echo hi', name: 'evented' });
    await h.client.waitForJob(id, { timeoutMs: 15_000 });
    const types: string[] = [];
    for await (const event of h.client.events({ since, follow: false })) if (event.jobId === id) types.push(event.type);
    expect(types).toEqual(['queued', 'started', 'finished']);
  });

  it('writes each queued event of enqueueMany with the fields eventFields gives', async () => {
    const specs = [{ command: 'echo one', name: 'named' }, { argv: ['echo', 'two words'] }];
    // Written at enqueue: no worker takes this queue, the jobs stay queued.
    const ids = (await h.client.enqueueMany(specs, { queue: 'queued-fields' })).map((j) => j.id);
    const redis = new Redis(h.redisUrl);
    try {
      const entries = await redis.xrange(createKeys(h.prefix).events, '-', '+');
      const queued = entries.map(([, flat]) => flat).filter((flat) => flat[1] === 'queued' && ids.includes(flat[3]!));
      const expected = ids.map((id, i) => Object.entries(eventFields('queued', recordFromData(id, 'queued-fields', { ...specs[i]!, createdAt: 0 }, 'queued'))).flat());
      expect(queued).toEqual(expected);
    } finally {
      redis.disconnect();
    }
  });

  it('keeps the order of a big enqueueMany (added in chunks) in the BullMQ queue', async () => {
    const specs = Array.from({ length: 1234 }, (_, i) => ({ argv: ['true', String(i)] }));
    const ids = (await h.client.enqueueMany(specs, { queue: 'chunk-order' })).map((j) => j.id);
    const queue = await h.client.queue('chunk-order');
    // getWaiting lists the wait list oldest first: the order the jobs will be taken in.
    const waiting = (await queue.getWaiting(0, -1)).map((job) => job.id);
    expect(waiting).toEqual(ids);
  });

  it('calls onComplete for every terminal transition and catches up from an event id', async () => {
    const seen: string[] = [];
    const off = h.client.onComplete((record) => seen.push(`${record.id}:${record.state}`));
    // onComplete starts from the newest event; give it that position before enqueuing.
    const ids = (await h.client.enqueueMany([{ command: 'true' }, { command: 'exit 2' }])).map((j) => j.id);
    await h.client.waitForJobs(ids, { timeoutMs: 15_000 });
    await waitFor(() => ids.every((id) => seen.some((s) => s.startsWith(id))), { message: 'onComplete to report both jobs' });
    off();
    expect(seen).toContain(`${ids[0]}:succeeded`);
    expect(seen).toContain(`${ids[1]}:failed`);
  });

  it('lists jobs newest first with state filters, and rejects bad specs naming the field', async () => {
    const ids = (await h.client.enqueueMany([{ command: 'true', name: 'list-a' }, { command: 'false', name: 'list-b' }])).map((j) => j.id);
    await h.client.waitForJobs(ids, { timeoutMs: 15_000 });
    const failed = await h.client.listJobs({ state: 'failed', limit: 100 });
    expect(failed.map((r) => r.id)).toContain(ids[1]);
    expect(failed.map((r) => r.id)).not.toContain(ids[0]);
    const all = await h.client.listJobs({ limit: 1000 });
    const created = all.map((r) => r.createdAt!);
    expect([...created].sort().reverse()).toEqual(created);
    await expect(h.client.enqueue({ command: 'x', env: { 'BAD-NAME': '1' } })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /env/ });
    await expect(h.client.enqueue({} as never)).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: /command/ });
    await expect(h.client.getJob('nope')).rejects.toMatchObject({ code: 'E_JOB_NOT_FOUND' });
  });
});
