import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of every webhook delivery. */
export const WEBHOOK_HEADERS = {
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the webhook's secret. */
  signature: 'x-kingly-signature',
  /** Seconds since the epoch when this attempt was signed (each retry signs again). */
  timestamp: 'x-kingly-timestamp',
  /** The events-stream id of the event: the same on every retry, so a receiver de-duplicates by it. */
  eventId: 'x-kingly-event-id',
} as const;

/** The X-Kingly-Signature value of `body` signed at `timestamp` (seconds). */
export function signWebhook(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export interface VerifyWebhookOptions {
  /** The webhook's secret. */
  readonly secret: string;
  /** The raw request body, exactly as received (before any JSON parsing). */
  readonly body: string | Buffer;
  /** The X-Kingly-Signature header. */
  readonly signature: string | undefined;
  /** The X-Kingly-Timestamp header. */
  readonly timestamp: string | undefined;
  /** Refuse signatures older (or newer) than this many seconds, against replays. @default 300 */
  readonly toleranceSeconds?: number;
  /** The time now, ms. @default Date.now() */
  readonly now?: number;
}

/** True when a delivery was signed with `secret` within the tolerance (constant-time comparison). */
export function verifyWebhook(options: VerifyWebhookOptions): boolean {
  const { signature, timestamp } = options;
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  const age = Math.abs((options.now ?? Date.now()) / 1000 - Number(timestamp));
  if (age > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(options.secret, timestamp, options.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
