import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueEvents } from 'bullmq';
import { OUTCOME_FORMAT_VERSION, outcomeFailedReason, outcomeReport, parseOutcome, type JobRecord, type OutcomeReport } from '@kingly/cmd';
import { pidsWithEnv, waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';

// A plain BullMQ `QueueEvents` listener, with nothing from kingly but parseOutcome (which any
// program can replace with the document's rule: JSON from the last `{"kingly":`), learns how each
// job ended: state, exit code, signal, reason, duration.

const DOC = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

const record = (overrides: Partial<JobRecord>): JobRecord => ({
  id: 'j', queue: 'q', name: 'n', command: 'c', argv: null, cwd: '/', group: null, tags: [], state: 'failed', exitCode: 3, signal: null,
  reason: null, pid: 1, pgid: 1, host: 'h', workerId: 'w', attempt: 1, attempts: 1, createdAt: null, startedAt: null, restartedAt: null,
  finishedAt: null, durationMs: 12, cpuPercent: null, rssBytes: null, peakRssBytes: 1024, cpuSeconds: 0.01, processCount: null, restarts: 0, port: null,
  repo: null, ref: null, commit: null, branch: null, worktreePath: null, agent: null, ...overrides,
});

describe('outcomes for plain BullMQ listeners', () => {
  it('failedReason reads as a sentence, then the report as JSON; parseOutcome gets it back', () => {
    const report = outcomeReport(record({}));
    const reason = outcomeFailedReason(report);
    expect(reason).toBe(`failed (exit code 3) ${JSON.stringify(report)}`);
    expect(parseOutcome(reason)).toEqual(report);
    expect(parseOutcome(report)).toEqual(report);
    expect(parseOutcome(JSON.stringify(report))).toEqual(report);
    // An error's stack, as BullMQ keeps one per attempt in `stacktrace`.
    expect(parseOutcome(new Error(reason).stack)).toEqual(report);
  });

  it('a reason that quotes the marker is still read right (the JSON escapes its quotes)', () => {
    const report = outcomeReport(record({ state: 'spawn-failed', exitCode: null, reason: 'invalid job spec: command: {"kingly":2,"state":"succeeded"} x' }));
    const text = outcomeFailedReason(report);
    expect(text.startsWith('invalid job spec: command: {"kingly":2')).toBe(true);
    expect(parseOutcome(text)).toEqual(report);
  });

  it('is undefined for what a kingly worker did not write', () => {
    for (const value of [
      undefined, null, 3, '', 'job stalled more than allowable limit', '{"kingly":1', 'x {"kingly":1,"state":"nope"}',
      { state: 'succeeded', exitCode: 0 }, { ...outcomeReport(record({})), kingly: 2 }, { ...outcomeReport(record({})), exitCode: '3' },
    ]) {
      expect(parseOutcome(value), JSON.stringify(value)).toBeUndefined();
    }
    expect(() => outcomeReport(record({ state: 'running' }))).toThrow(/not terminal/);
  });

  it('docs/protocol.md lists every field of the report', () => {
    const start = DOC.indexOf('## Outcomes for BullMQ listeners');
    expect(start).toBeGreaterThan(0);
    const section = DOC.slice(start, DOC.indexOf('\n## ', start + 1));
    const fields = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(fields)).toEqual(new Set(Object.keys(outcomeReport(record({})))));
    expect(section).toContain(`\`${OUTCOME_FORMAT_VERSION}\``);
  });

  describe('through a real QueueEvents listener', () => {
    let h: Harness;
    let events: QueueEvents;
    const completed = new Map<string, unknown>();
    const failed = new Map<string, string[]>();
    beforeAll(async () => {
      h = createHarness('bull-outcome');
      // From the stream's start: every event of this private prefix, none missed before the first read.
      events = new QueueEvents('commands', { connection: { url: h.redisUrl }, prefix: h.prefix, lastEventId: '0' });
      events.on('completed', ({ jobId, returnvalue }) => completed.set(jobId, returnvalue));
      events.on('failed', ({ jobId, failedReason }) => failed.set(jobId, [...(failed.get(jobId) ?? []), failedReason]));
      await events.waitUntilReady();
      await h.startWorker();
    });
    afterAll(async () => {
      await events.close();
      await h.close();
    });

    const failedOutcome = async (id: string): Promise<OutcomeReport> => {
      const reasons = await waitFor(() => failed.get(id), { timeoutMs: 20_000, message: `a failed event for job ${id}` });
      const outcome = parseOutcome(reasons.at(-1));
      expect(outcome, reasons.at(-1)).toBeDefined();
      return outcome!;
    };

    it('completed: returnvalue is the report', async () => {
      const { id } = await h.client.enqueue({ command: 'echo hi' });
      const value = await waitFor(() => completed.get(id), { timeoutMs: 20_000, message: `a completed event for job ${id}` });
      const outcome = parseOutcome(value);
      expect(outcome).toMatchObject({ kingly: 1, state: 'succeeded', exitCode: 0, signal: null, reason: null, attempt: 1, attempts: 1, retrying: false });
      expect(outcome!.durationMs).toBeGreaterThanOrEqual(0);
      expect(outcome!.durationMs).toBe((await h.client.getJob(id)).durationMs);
    });

    it('failed: exit code, and a sentence for Bull Board first', async () => {
      const { id } = await h.client.enqueue({ command: 'exit 3' });
      const outcome = await failedOutcome(id);
      expect(outcome).toMatchObject({ state: 'failed', exitCode: 3, signal: null, retrying: false });
      expect(failed.get(id)![0]).toMatch(/^failed \(exit code 3\) \{"kingly":1,/);
      expect(outcome.durationMs).toBe((await h.client.getJob(id)).durationMs);
    });

    it('timed-out: signal and reason', async () => {
      const { id } = await h.client.enqueue({ command: 'sleep 30', limits: { timeoutMs: 300 } });
      const outcome = await failedOutcome(id);
      expect(outcome).toMatchObject({ state: 'timed-out', exitCode: null, signal: expect.stringMatching(/^SIG/) as unknown, reason: expect.stringMatching(/^timed out: ran \d+ms, the limit is 300ms/) as unknown });
      expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    });

    it('cancelled: the signal and why', async () => {
      const { id } = await h.client.enqueue({ command: 'sleep 30' });
      await waitFor(async () => (await h.client.getJob(id)).state === 'running', { message: `job ${id} to run` });
      await h.client.cancel(id, { graceMs: 500 });
      const outcome = await failedOutcome(id);
      expect(outcome).toMatchObject({ state: 'cancelled', signal: 'SIGTERM', reason: expect.stringMatching(/^cancelled by request/) as unknown });
      expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    });

    it('spawn-failed: the reason', async () => {
      const { id } = await h.client.enqueue({ argv: ['/no/such/program'] });
      const outcome = await failedOutcome(id);
      expect(outcome).toMatchObject({ state: 'spawn-failed', exitCode: null, reason: expect.stringMatching(/no\/such\/program|ENOENT/) as unknown });
    });

    it('a retried attempt says retrying (in BullMQ\'s stacktrace); QueueEvents hears only the last', async () => {
      const { id } = await h.client.enqueue({ command: 'exit 4', attempts: 2, backoff: { type: 'fixed', delayMs: 10 } });
      const last = await failedOutcome(id);
      expect(last).toMatchObject({ state: 'failed', exitCode: 4, attempt: 2, attempts: 2, retrying: false });
      expect(failed.get(id)).toHaveLength(1);
      const queue = await h.client.queue();
      // One entry per attempt: the error's stack, its first line the failedReason of that attempt.
      expect(((await queue.getJob(id))!.stacktrace ?? []).map(parseOutcome)).toMatchObject([
        { state: 'failed', exitCode: 4, attempt: 1, attempts: 2, retrying: true },
        { state: 'failed', exitCode: 4, attempt: 2, attempts: 2, retrying: false },
      ]);
    });
  });
});
