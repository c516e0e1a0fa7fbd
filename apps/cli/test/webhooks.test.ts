import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort, KinglyClient, webhookId, type StatusReport } from '@kingly/cmd';
import { startWebhookReceiver, tempDir, waitFor } from '@kingly/testing';
import { kingly, KINGLY_BIN, workerForFile } from './helpers.js';

// `kingly api` delivers the webhooks of the kingly.config.json where it starts; `kingly status`
// shows how they go. Real processes: kingly worker, kingly api, an HTTP receiver.

const SECRET = 'whsec-cli-0123456789abcdef';
const { env } = workerForFile('webhooks');

describe('webhooks from kingly.config.json', () => {
  const project = tempDir('kingly-cli-webhooks');
  afterAll(() => project.remove());

  it('kingly api POSTs signed endings; kingly status shows a failing webhook, then its deliveries; the secret is never printed', async () => {
    let up = false;
    const receiver = await startWebhookReceiver({ secret: SECRET, respond: () => (up ? 200 : 503) });
    const webhook = { url: receiver.url, events: ['finished' as const], secret: SECRET };
    writeFileSync(join(project.path, 'kingly.config.json'), JSON.stringify({ webhooks: [webhook] }));
    const port = await freeLoopbackPort();
    const api = execa(process.execPath, [KINGLY_BIN, 'api', '--port', String(port)], {
      cwd: project.path,
      env: { ...env, KINGLY_API_TOKEN: 'token-0123456789abcdef' },
      extendEnv: false,
      reject: false,
      all: true,
    });
    let output = '';
    api.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const client = new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, {
        timeoutMs: 60_000,
        message: `kingly api to answer /healthz (exit: ${api.exitCode}, output: ${output})`,
      });
      // The group is read once the API is up: it starts at the newest event.
      const group = `webhook:${webhookId(webhook)}`;
      await waitFor(async () => ((await (await client.redis()).xinfo('GROUPS', client.keys.events)) as unknown[][]).some((g) => g[1] === group), {
        timeoutMs: 30_000,
        message: `the consumer group ${group}`,
      });
      const { id } = await client.enqueue({ command: 'exit 4' });
      await waitFor(() => receiver.received.length >= 2, { timeoutMs: 30_000, message: 'two failed attempts' });

      const failing = await kingly(['status'], env, { cwd: project.path });
      expect(failing.exitCode, failing.stderr).toBe(0);
      expect(failing.stdout).toMatch(new RegExp(`webhooks:\\n  ${receiver.url.replace(/[.]/g, '\\.')}  delivered 0, failed attempts \\d+; FAILING \\(\\d+ in a row\\): HTTP 503`));

      up = true;
      await waitFor(() => receiver.accepted().length === 1, { timeoutMs: 30_000, message: 'the delivery once the receiver answers 200' });
      const delivered = receiver.accepted()[0]!;
      expect(delivered.signatureValid).toBe(true);
      expect(delivered.payload).toMatchObject({ jobId: id, state: 'failed' });
      await waitFor(async () => {
        const report = JSON.parse((await kingly(['status', '--json'], env, { cwd: project.path })).stdout) as StatusReport;
        return report.webhooks[0]?.delivered === 1;
      }, { timeoutMs: 30_000, message: 'kingly status --json to count the delivery' });
      const healthy = await kingly(['status'], env, { cwd: project.path });
      expect(healthy.exitCode, healthy.stderr).toBe(0);
      expect(healthy.stdout).toMatch(/delivered 1, failed attempts \d+\n/);
      expect(healthy.stdout).not.toContain('FAILING');
      // kingly api reads the group as "<host>:<port>": the same name after a restart.
      const consumers = (await (await client.redis()).xinfo('CONSUMERS', client.keys.events, group)) as unknown[][];
      expect(consumers.map((c) => c[1])).toEqual([`${hostname()}:${port}`]);
      expect(output).toMatch(/kingly webhook .*attempt 1: HTTP 503; retrying in 1000ms/);
      expect(output + failing.stdout + healthy.stdout).not.toContain(SECRET);
    } finally {
      api.kill('SIGTERM');
      await api;
      await client.close();
      await receiver.close();
    }
  }, 180_000);
});
