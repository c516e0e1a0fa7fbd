import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freeLoopbackPort, parseEvent, webhookId, type JobRecord, type WebhookConfig, type WebhookStatus } from '@kingly/cmd';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from '@kingly/testing';
import { buildApp } from '../dist/index.js';
import { createApiHarness, fixturePath, TOKEN, waitForState, type ApiHarness } from './harness.js';

// The API delivers kingly.config.json's webhooks: real worker, real API apps on one prefix, and a
// real HTTP receiver that checks each delivery's HMAC with its own code.

const SECRET = 'whsec-test-0123456789abcdef';
/** Fast retries, so a test sees several attempts. */
const RETRY = { baseDelayMs: 100, maxDelayMs: 400, timeoutMs: 5000 };
/** Whether a program is on PATH (the README's Python and shell checks need python3 and openssl). */
const onPath = (program: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed-out', 'memory-limit', 'spawn-failed', 'worker-lost'];

describe('webhooks', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  const logs: string[] = [];
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await thing.close();
    // A secret is never logged, whatever happened.
    for (const line of logs) expect(line).not.toContain(SECRET);
    logs.length = 0;
  });

  async function setup(label: string, webhooks: WebhookConfig[], retry: Record<string, number> = RETRY): Promise<ApiHarness> {
    const h = await createApiHarness(label, { webhooks, webhookRetry: retry, webhookConsumer: 'api-1', webhookLog: (line) => logs.push(line) });
    open.push(h);
    await h.startWorker();
    return h;
  }

  async function receiver(respond?: (r: unknown, i: number) => number, port?: number): Promise<WebhookReceiver> {
    const r = await startWebhookReceiver({ secret: SECRET, ...(respond ? { respond } : {}), ...(port ? { port } : {}) });
    open.push(r);
    return r;
  }

  /** The finished event id of each job, from the events stream. */
  async function finishedEventIds(h: ApiHarness, ids: readonly string[]): Promise<Map<string, string>> {
    const entries = (await (await h.client.redis()).xrange(h.client.keys.events, '-', '+')) as Array<[string, string[]]>;
    const events = entries.map(([id, flat]) => parseEvent(id, flat));
    return new Map(events.filter((e) => e.type === 'finished' && ids.includes(e.jobId)).map((e) => [e.jobId, e.id]));
  }

  /** Waits until the API has made its consumer groups: they start at the newest event, so a job must end after that. */
  const groupsMade = (h: ApiHarness, count: number): Promise<unknown> =>
    waitFor(async () => ((await (await h.client.redis()).xinfo('GROUPS', h.client.keys.events)) as unknown[]).length === count, {
      message: `${count} consumer group(s) on the events stream`,
    });

  const webhookStatus = async (h: ApiHarness, webhook: WebhookConfig): Promise<WebhookStatus | undefined> =>
    (await h.client.status()).webhooks.find((w) => w.id === webhookId(webhook));

  /** The webhook's figures once `ready` says they are complete (they are written after the receiver answered). */
  const statusWhen = (h: ApiHarness, webhook: WebhookConfig, ready: (s: WebhookStatus) => boolean, what: string): Promise<WebhookStatus> =>
    waitFor(async () => {
      const status = await webhookStatus(h, webhook);
      return status && ready(status) ? status : undefined;
    }, { timeoutMs: 20_000, message: what });

  it('refuses a webhook kingly.config.json would refuse, naming the field and not echoing the secret', async () => {
    const base = { redisUrl: 'redis://127.0.0.1:1', token: TOKEN };
    await expect(buildApp({ ...base, webhooks: [{ url: 'http://127.0.0.1:1/x', events: ['finished'], secret: 'short-s3cret' }] })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(/^webhooks\[0\]\.secret: .*at least 16/) as unknown,
    });
    await expect(buildApp({ ...base, webhooks: [{ url: `http://h.example/?k=${SECRET}`, events: ['finished'], secret: SECRET }] })).rejects.toMatchObject({
      message: expect.not.stringContaining(SECRET) as unknown,
    });
    await expect(buildApp({ ...base, webhooks: [{ url: 'http://h.example/', events: ['started' as 'finished'], secret: SECRET }] })).rejects.toMatchObject({
      message: expect.stringMatching(/^webhooks\[0\]\.events\.0: /) as unknown,
    });
  });

  it('POSTs each job ending it asks for as signed JSON: the signature, event id and record check out', async () => {
    const all = await receiver();
    const failures = await receiver();
    const every: WebhookConfig = { url: all.url, events: ['finished'], secret: SECRET };
    const onlyFailed: WebhookConfig = { url: failures.url, events: ['failed', 'timed-out'], secret: SECRET };
    const h = await setup('webhooks-signed', [every, onlyFailed]);
    await groupsMade(h, 2);

    const ids = [];
    for (const command of ['true', 'exit 3', 'echo hi', 'exit 4']) ids.push((await h.client.enqueue({ command })).id);
    for (const id of ids) await waitForState(h.client, id, TERMINAL);
    await waitFor(() => all.received.length >= 4 && failures.received.length >= 2, { timeoutMs: 20_000, message: '4 deliveries to one receiver and 2 to the other' });

    const eventIds = await finishedEventIds(h, ids);
    expect(all.received.map((r) => r.payload.jobId).sort()).toEqual([...ids].sort());
    for (const r of [...all.received, ...failures.received]) {
      expect(r.signatureValid, `signature of ${r.eventId}`).toBe(true);
      expect(r.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(120);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.eventId).toBe(eventIds.get(r.payload.jobId));
      expect(r.payload).toMatchObject({ eventId: r.eventId, type: 'finished', queue: 'commands' });
      const record = await h.client.getJob(r.payload.jobId);
      expect(r.payload.state).toBe(record.state);
      expect(r.payload.record as Partial<JobRecord>).toMatchObject({ id: record.id, state: record.state, exitCode: record.exitCode, command: record.command });
    }
    expect(failures.received.map((r) => r.payload.record.exitCode).sort()).toEqual([3, 4]);
    expect(await statusWhen(h, every, (s) => s.delivered === 4, '4 deliveries counted')).toMatchObject({ url: all.url, failed: 0, dropped: 0, consecutiveFailures: 0 });
    expect(await statusWhen(h, onlyFailed, (s) => s.delivered === 2, '2 deliveries counted')).toMatchObject({ failed: 0 });
  });

  it('retries a receiver that fails twice with backoff; the failures show in status and /metrics', async () => {
    const flaky = await receiver((_r, i) => (i < 2 ? 500 : 200));
    const webhook: WebhookConfig = { url: flaky.url, events: ['finished'], secret: SECRET };
    const h = await setup('webhooks-flaky', [webhook]);
    await groupsMade(h, 1);

    const { id } = await h.client.enqueue({ command: 'true' });
    await waitFor(() => flaky.accepted().length === 1, { timeoutMs: 20_000, message: 'the third attempt to be accepted' });
    expect(flaky.received.map((r) => r.status)).toEqual([500, 500, 200]);
    // One event, three attempts: the same event id, each signed afresh.
    expect(new Set(flaky.received.map((r) => r.eventId))).toEqual(new Set([(await finishedEventIds(h, [id])).get(id)]));
    for (const r of flaky.received) expect(r.signatureValid).toBe(true);

    const status = await statusWhen(h, webhook, (s) => s.delivered === 1, 'the delivery to be counted');
    expect(status).toMatchObject({ failed: 2, dropped: 0, consecutiveFailures: 0, lastFailure: 'HTTP 500' });
    expect(status.lastFailureAt).not.toBeNull();
    expect(logs.filter((l) => l.includes(`attempt`))).toHaveLength(2);
    // Backoff doubles: 100 ms, then 200 ms (RETRY.baseDelayMs), capped at maxDelayMs.
    expect(logs[0]).toMatch(/attempt 1: HTTP 500; retrying in 100ms/);
    expect(logs[1]).toMatch(/attempt 2: HTTP 500; retrying in 200ms/);

    const metrics = (await h.call('/metrics')).body;
    const wid = webhookId(webhook);
    expect(metrics).toContain(`kingly_webhook_deliveries_total{webhook="${wid}",result="delivered"} 1`);
    expect(metrics).toContain(`kingly_webhook_deliveries_total{webhook="${wid}",result="failed"} 2`);
    expect(metrics).toContain(`kingly_webhook_consecutive_failures{webhook="${wid}"} 0`);
    expect((await h.call('/api/status')).json<{ webhooks: WebhookStatus[] }>().webhooks).toEqual([expect.objectContaining({ id: wid, delivered: 1, failed: 2 })]);
  });

  it('gives an event up after maxAttempts, counts it dropped and goes on with the next', async () => {
    const refusing = await receiver((r) => ((r as { payload: { state: string } }).payload.state === 'failed' ? 500 : 200));
    const webhook: WebhookConfig = { url: refusing.url, events: ['finished'], secret: SECRET };
    const h = await setup('webhooks-drop', [webhook], { ...RETRY, maxAttempts: 3 });
    await groupsMade(h, 1);
    const bad = (await h.client.enqueue({ command: 'exit 1' })).id;
    await waitForState(h.client, bad, TERMINAL);
    const good = (await h.client.enqueue({ command: 'true' })).id;
    await waitFor(() => refusing.accepted().some((r) => r.payload.jobId === good), { timeoutMs: 20_000, message: 'the next event to be delivered after the given-up one' });
    expect(refusing.received.filter((r) => r.payload.jobId === bad).map((r) => r.status)).toEqual([500, 500, 500]);
    expect(await statusWhen(h, webhook, (s) => s.delivered === 1, 'the delivery to be counted')).toMatchObject({ failed: 3, dropped: 1, consecutiveFailures: 0 });
    expect(logs.at(-1)).toMatch(/attempt 3: HTTP 500; given up/);
    // Both events were acknowledged: nothing is left pending in the group.
    const group = `webhook:${webhookId(webhook)}`;
    await waitFor(async () => ((await (await h.client.redis()).xpending(h.client.keys.events, group)) as [number])[0] === 0, { message: `nothing pending in ${group}` });
  });

  it('with the receiver down while 20 jobs end, two API replicas deliver every event once it is back, each event id accepted once', async () => {
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}/hook`;
    const webhook: WebhookConfig = { url, events: ['finished'], secret: SECRET };
    const h = await setup('webhooks-down', [webhook]);
    // A second API process on the same Redis and prefix: the consumer group shares the events out.
    const second = await buildApp({ redisUrl: h.redisUrl, prefix: h.prefix, token: TOKEN, webhooks: [webhook], webhookRetry: RETRY, webhookConsumer: 'api-2', webhookLog: (line) => logs.push(line) });
    open.push(second);
    await groupsMade(h, 1);

    const jobIds = (await h.client.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ command: i % 4 === 0 ? 'exit 2' : 'true' })))).map((j) => j.id);
    // Jobs are never held up by a delivery: all end while nothing answers.
    for (const id of jobIds) await waitForState(h.client, id, TERMINAL);
    const down = await statusWhen(h, webhook, (s) => s.failed >= 2, 'failed attempts while the receiver is down');
    expect(down).toMatchObject({ delivered: 0, lastFailure: 'ECONNREFUSED' });
    expect(down.consecutiveFailures).toBeGreaterThanOrEqual(2);

    const back = await receiver(undefined, port);
    await waitFor(() => new Set(back.accepted().map((r) => r.eventId)).size === 20, { timeoutMs: 60_000, message: `20 distinct events delivered (got ${back.accepted().length})` });
    const eventIds = await finishedEventIds(h, jobIds);
    expect(new Set(back.accepted().map((r) => r.eventId))).toEqual(new Set(eventIds.values()));
    // Each event accepted once (the consumer group gave it to one replica), and every delivery signed.
    expect(back.accepted()).toHaveLength(20);
    for (const r of back.received) expect(r.signatureValid).toBe(true);
    expect(await statusWhen(h, webhook, (s) => s.delivered === 20, '20 deliveries counted')).toMatchObject({ consecutiveFailures: 0 });
    // Both API processes read the group.
    const consumers = (await (await h.client.redis()).xinfo('CONSUMERS', h.client.keys.events, `webhook:${webhookId(webhook)}`)) as unknown[][];
    expect(consumers.map((c) => c[1]).sort()).toEqual(['api-1', 'api-2']);
  });

  it.skipIf(!onPath('python3') || !onPath('openssl'))("the README's Python and shell checks accept every delivery and refuse a tampered one", async () => {
    const r = await receiver();
    const h = await setup('webhooks-readme', [{ url: r.url, events: ['finished'], secret: SECRET }]);
    await groupsMade(h, 1);
    await h.client.enqueueMany([{ command: 'echo "quotes \\" and ünïcode %s"' }, { command: 'exit 5' }]);
    await waitFor(() => r.received.length === 2, { timeoutMs: 20_000, message: 'two deliveries' });
    const check = (program: string, args: string[], timestamp: string, signature: string, body: string): string =>
      execFileSync(program, [...args, timestamp, signature], { input: body, env: { ...process.env, KINGLY_WEBHOOK_SECRET: SECRET } }).toString().trim();
    for (const d of r.received) {
      for (const [program, args] of [['python3', [fixturePath('verify-webhook.py')]], ['sh', [fixturePath('verify-webhook.sh')]]] as const) {
        expect(check(program, [...args], d.timestamp, d.signature, d.body), `${program} on ${d.eventId}`).toBe('ok');
        expect(check(program, [...args], d.timestamp, d.signature, d.body.replace('"state"', '"State"')), `${program} on a tampered body`).toBe('bad');
      }
    }
  });
});
