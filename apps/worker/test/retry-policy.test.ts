import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, type JobsOptions } from 'bullmq';
import type { JobRecord } from '@kingly/cmd';
import { createHarness, logLines, plainId, type Harness } from './harness.js';

/** The ms timestamps of a job's events of one type, oldest first (stream ids start with the ms time). */
async function eventTimes(h: Harness, id: string, type: string): Promise<number[]> {
  const redis = await h.client.redis();
  const entries = (await redis.xrange(h.client.keys.events, '-', '+')) as Array<[string, string[]]>;
  return entries
    .filter(([, f]) => f[f.indexOf('type') + 1] === type && f[f.indexOf('job') + 1] === id)
    .map(([streamId]) => Number(streamId.split('-')[0]));
}

/** Gaps between consecutive times. */
const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

describe('one retry policy: BullMQ’s opts.attempts and opts.backoff, whichever way a job was added', () => {
  let h: Harness;
  let queue: Queue;
  beforeAll(async () => {
    h = createHarness('retry');
    await h.startWorker();
    queue = new Queue(h.client.queueName, { connection: await h.client.redis(), prefix: h.prefix });
  });
  afterAll(async () => {
    await queue.close();
    await h.close();
  });

  const addPlain = async (data: object, opts?: JobsOptions): Promise<string> => plainId(await queue.add('plain', { createdAt: Date.now(), ...data }, opts));

  /** A failing command's three attempts, spaced by the backoff, one finished event. */
  async function expectRetried(id: string, attempts: number, backoffMs: number): Promise<JobRecord> {
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record).toMatchObject({ state: 'failed', exitCode: 3, attempt: attempts, attempts });
    const lines = await logLines(h.client, id);
    expect(lines.filter((l) => l === 'stdout:run')).toHaveLength(attempts);
    for (let n = 2; n <= attempts; n++) expect(lines).toContain(`system:[kingly] attempt ${n} of ${attempts}`);
    for (let n = 1; n < attempts; n++) expect(lines).toContain(`system:[kingly] attempt ${n} of ${attempts} exited with code 3; retrying in ${backoffMs}ms`);
    const started = await eventTimes(h, id, 'started');
    expect(started).toHaveLength(attempts);
    for (const gap of gaps(started)) expect(gap).toBeGreaterThanOrEqual(backoffMs);
    expect(await eventTimes(h, id, 'finished')).toHaveLength(1);
    return record;
  }

  it('a plain job with data.attempts but no opts.attempts ends spawn-failed saying why, never stays queued', async () => {
    const id = await addPlain({ command: 'echo run; exit 3', attempts: 3 });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record).toMatchObject({ state: 'spawn-failed', attempt: 1, attempts: 1 });
    expect(record.reason).toMatch(/^invalid job spec: attempts: is 3 but the BullMQ job's opts\.attempts is not set \(1 attempt\)/);
    // Refused before anything ran: the command never started.
    expect(await logLines(h.client, id)).not.toContain('stdout:run');
    expect(await eventTimes(h, id, 'finished')).toHaveLength(1);
  });

  it('a plain job with opts.attempts 3 and a fixed 300 ms backoff runs 3 times, 300 ms apart, then fails once', async () => {
    const id = await addPlain({ command: 'echo run; exit 3' }, { attempts: 3, backoff: { type: 'fixed', delay: 300 } });
    await expectRetried(id, 3, 300);
  });

  it('a plain job whose data.attempts agrees with opts.attempts is retried as asked', async () => {
    const id = await addPlain({ command: 'echo run; exit 3', attempts: 2 }, { attempts: 2 });
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record).toMatchObject({ state: 'failed', attempt: 2, attempts: 2 });
    expect(await logLines(h.client, id)).toContain('system:[kingly] attempt 1 of 2 exited with code 3; retrying now');
  });

  it('a plain job with an exponential backoff waits 200 ms, then 400 ms', async () => {
    const id = await addPlain({ command: 'echo run; exit 3' }, { attempts: 3, backoff: { type: 'exponential', delay: 200 } });
    await h.client.waitForJob(id, { timeoutMs: 20_000 });
    const lines = await logLines(h.client, id);
    expect(lines).toContain('system:[kingly] attempt 1 of 3 exited with code 3; retrying in 200ms');
    expect(lines).toContain('system:[kingly] attempt 2 of 3 exited with code 3; retrying in 400ms');
    const [first, second] = gaps(await eventTimes(h, id, 'started'));
    expect(first).toBeGreaterThanOrEqual(200);
    expect(second).toBeGreaterThanOrEqual(400);
  });

  it('the kingly client with attempts 2 and a fixed backoff sets BullMQ’s opts: the same 2 attempts, spaced, one finished event', async () => {
    const { id } = await h.client.enqueue({ command: 'echo run; exit 3', attempts: 2, backoff: { type: 'fixed', delayMs: 300 } });
    const job = await queue.getJob(id);
    expect(job?.opts).toMatchObject({ attempts: 2, backoff: { type: 'fixed', delay: 300 } });
    await expectRetried(id, 2, 300);
  });

  it('a plain job whose data.backoff disagrees with opts.backoff ends spawn-failed naming backoff', async () => {
    const id = await addPlain({ command: 'echo run; exit 3', attempts: 2, backoff: { type: 'fixed', delayMs: 300 } }, { attempts: 2 });
    const record = await h.client.waitForJob(id, { timeoutMs: 15_000 });
    expect(record).toMatchObject({ state: 'spawn-failed' });
    expect(record.reason).toMatch(/^invalid job spec: backoff: is fixed 300ms but the BullMQ job's opts\.backoff is not set/);
  });

  it('the library refuses a backoff with a negative delay, naming the field', async () => {
    await expect(h.client.enqueue({ command: 'true', attempts: 2, backoff: { type: 'fixed', delayMs: -1 } })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(/^backoff\.delayMs: /),
    });
  });
});
