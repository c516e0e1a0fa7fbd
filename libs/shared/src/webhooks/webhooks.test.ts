import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.js';
import { TERMINAL_STATES } from '../job-states.js';
import { displayWebhookUrl, WEBHOOK_EVENTS, webhookId } from './config.js';
import { signWebhook, verifyWebhook } from './sign.js';
import { parseWebhookStats } from './stats.js';

const SECRET = 'whsec-0123456789abcdef';

describe('webhooks in kingly.config.json', () => {
  const dirs: string[] = [];
  const configIn = (config: unknown): string => {
    const dir = mkdtempSync(join(tmpdir(), 'kingly-webhooks-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'kingly.config.json'), JSON.stringify(config));
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('are read as given, [] when absent', () => {
    const webhooks = [{ url: 'https://hooks.example/kingly', events: ['finished'], secret: SECRET }];
    expect(resolveConfig({ env: {}, cwd: configIn({ webhooks }) }).webhooks).toEqual(webhooks);
    expect(resolveConfig({ env: {}, cwd: configIn({}) }).webhooks).toEqual([]);
  });

  it('refuse a short secret, a secret in the url, a bad url or event, naming the key and never echoing the secret', () => {
    const bad = (webhook: Record<string, unknown>): string => {
      try {
        resolveConfig({ env: {}, cwd: configIn({ webhooks: [{ url: 'https://h.example/x', events: ['failed'], secret: SECRET, ...webhook }] }) });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    const short = bad({ secret: 'short-s3cr3t' });
    expect(short).toMatch(/key 'webhooks\.0\.secret'.*at least 16/);
    expect(short).not.toContain('short-s3cr3t');
    const inUrl = bad({ url: `https://h.example/x?token=${SECRET}` });
    expect(inUrl).toMatch(/key 'webhooks\.0\.url'.*must not appear/);
    expect(inUrl).not.toContain(SECRET);
    expect(bad({ url: 'ftp://h.example/x' })).toMatch(/webhooks\.0\.url.*http/);
    expect(bad({ events: ['started'] })).toMatch(/webhooks\.0\.events\.0/);
    expect(bad({ events: [] })).toMatch(/webhooks\.0\.events/);
    expect(bad({ extra: 1 })).toMatch(/webhooks\.0\.extra/);
  });

  it('offer every terminal state and finished', () => {
    expect(new Set(WEBHOOK_EVENTS)).toEqual(new Set(['finished', ...TERMINAL_STATES]));
  });

  it('have an id from url and events (not the secret), and a url shown without credentials', () => {
    expect(webhookId({ url: 'https://a/x', events: ['failed', 'finished'] })).toBe(webhookId({ url: 'https://a/x', events: ['finished', 'failed'] }));
    expect(webhookId({ url: 'https://a/x', events: ['failed'] })).not.toBe(webhookId({ url: 'https://a/y', events: ['failed'] }));
    expect(displayWebhookUrl('https://user:pw@h.example:8443/hook?key=abc#f')).toBe('https://h.example:8443/hook');
  });
});

describe('webhook signatures', () => {
  const body = JSON.stringify({ jobId: 'j', state: 'failed', text: 'ünïcode' });
  const now = 1_800_000_000_000;
  const timestamp = String(now / 1000);

  it('verify what was signed with the secret within the tolerance, and nothing else', () => {
    const signature = signWebhook(SECRET, timestamp, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook({ secret: SECRET, body, signature, timestamp, now })).toBe(true);
    expect(verifyWebhook({ secret: SECRET, body: Buffer.from(body), signature, timestamp, now })).toBe(true);
    expect(verifyWebhook({ secret: `${SECRET}x`, body, signature, timestamp, now })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, body: `${body} `, signature, timestamp, now })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, body, signature, timestamp: String(Number(timestamp) + 1), now })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, body, signature, timestamp, now: now + 301_000 })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, body, signature: undefined, timestamp, now })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, body, signature: 'sha256=00', timestamp, now })).toBe(false);
  });
});

describe('webhook delivery figures', () => {
  it('are grouped by webhook id from the hash fields', () => {
    const stats = parseWebhookStats({
      'aaa:url': 'https://b/x', 'aaa:delivered': '3', 'aaa:failed': '2', 'aaa:consecutiveFailures': '0', 'aaa:lastDeliveredAt': '1000',
      'bbb:url': 'https://a/y', 'bbb:failed': '1', 'bbb:dropped': '1', 'bbb:consecutiveFailures': '1', 'bbb:lastFailureAt': '2000', 'bbb:lastFailure': 'HTTP 500',
    });
    expect(stats).toEqual([
      { id: 'bbb', url: 'https://a/y', delivered: 0, failed: 1, dropped: 1, consecutiveFailures: 1, lastDeliveredAt: null, lastFailureAt: new Date(2000).toISOString(), lastFailure: 'HTTP 500' },
      { id: 'aaa', url: 'https://b/x', delivered: 3, failed: 2, dropped: 0, consecutiveFailures: 0, lastDeliveredAt: new Date(1000).toISOString(), lastFailureAt: null, lastFailure: null },
    ]);
  });
});
