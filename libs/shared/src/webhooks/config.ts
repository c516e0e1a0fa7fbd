import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The shortest webhook secret accepted: an HMAC key short enough to guess signs nothing. */
export const MIN_WEBHOOK_SECRET_CHARS = 16;

/** What a webhook may ask for: every ending (`finished`) or only some terminal states (TERMINAL_STATES; a test holds them equal). */
export const WEBHOOK_EVENTS = ['finished', 'succeeded', 'failed', 'cancelled', 'timed-out', 'memory-limit', 'spawn-failed', 'worker-lost'] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** One entry of `webhooks` in kingly.config.json. */
export const webhookConfigSchema = z
  .object({
    /** Where each event is POSTed (http or https). */
    url: z
      .string()
      .max(2000)
      .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'expected an http:// or https:// URL')
      .describe('Where each event is POSTed as JSON: an http:// or https:// URL.'),
    /** Which endings to send: `finished` (every terminal job) or terminal states such as `failed`. */
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .describe('Which job endings to send: "finished" (every one) or terminal states such as "failed", "timed-out".'),
    /** HMAC-SHA256 key the receiver shares; never logged, never sent. */
    secret: z
      .string()
      .min(MIN_WEBHOOK_SECRET_CHARS, `expected a secret of at least ${MIN_WEBHOOK_SECRET_CHARS} characters, e.g. $(openssl rand -hex 32)`)
      .max(1000)
      .describe(`Key of the HMAC-SHA256 signature (X-Kingly-Signature), shared with the receiver; at least ${MIN_WEBHOOK_SECRET_CHARS} characters. Never logged, never sent.`),
  })
  .strict()
  // A secret in the URL would be sent with every request and shown wherever the URL is.
  .refine((w) => !w.url.includes(w.secret), { message: 'the secret must not appear in the url', path: ['url'] });

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/**
 * A webhook's stable id: its consumer group (`webhook:<id>`) and its fields in `<prefix>:webhooks`.
 * Made of the URL and the events, not the secret, so rotating the secret loses no delivery.
 */
export function webhookId(webhook: Pick<WebhookConfig, 'url' | 'events'>): string {
  return createHash('sha256').update(`${webhook.url}\n${[...webhook.events].sort().join(',')}`).digest('hex').slice(0, 12);
}

/** The URL as it may be shown (status, logs, metrics): no user, password, query or fragment, which may carry credentials. */
export function displayWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
