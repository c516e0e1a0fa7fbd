import type { KinglyKeys } from '../keys.js';

/**
 * Fields of `<prefix>:webhooks`, one set per webhook, each named `<webhookId>:<field>`: how its
 * deliveries go, written by the API processes that deliver and read by `kingly status` and
 * /metrics. docs/protocol.md (Webhooks) documents them.
 */
export const WEBHOOK_STAT_FIELDS = {
  /** The URL without credentials, query or fragment (displayWebhookUrl). */
  url: 'url',
  /** Events delivered (the receiver answered 2xx). */
  delivered: 'delivered',
  /** Attempts that failed (no answer, a timeout, or a status other than 2xx); each is retried. */
  failed: 'failed',
  /** Events given up after the last attempt. */
  dropped: 'dropped',
  /** Failed attempts since the last delivery (0 once one succeeds). */
  consecutiveFailures: 'consecutiveFailures',
  /** ms since the epoch of the last delivery. */
  lastDeliveredAt: 'lastDeliveredAt',
  /** ms since the epoch of the last failed attempt. */
  lastFailureAt: 'lastFailureAt',
  /** What went wrong then, such as `HTTP 500` or `ECONNREFUSED` (never a secret). */
  lastFailure: 'lastFailure',
} as const;

/** One webhook's delivery figures, as `kingly status` shows them. */
export interface WebhookStatus {
  readonly id: string;
  readonly url: string;
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  readonly consecutiveFailures: number;
  readonly lastDeliveredAt: string | null;
  readonly lastFailureAt: string | null;
  readonly lastFailure: string | null;
}

/** The outcome of one delivery attempt. */
export type WebhookAttempt =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: string; readonly gaveUp: boolean };

/** What recordWebhookAttempt needs of an ioredis client. */
export interface WebhookStatsRedis {
  multi(): {
    hset(key: string, values: Record<string, string | number>): unknown;
    hincrby(key: string, field: string, increment: number): unknown;
    exec(): Promise<unknown>;
  };
}

/** Adds one attempt's outcome to `<prefix>:webhooks` (one MULTI). */
export async function recordWebhookAttempt(redis: WebhookStatsRedis, keys: KinglyKeys, id: string, url: string, attempt: WebhookAttempt): Promise<void> {
  const f = (field: string): string => `${id}:${field}`;
  const F = WEBHOOK_STAT_FIELDS;
  const multi = redis.multi();
  if (attempt.ok) {
    multi.hincrby(keys.webhooks, f(F.delivered), 1);
    multi.hset(keys.webhooks, { [f(F.url)]: url, [f(F.lastDeliveredAt)]: Date.now(), [f(F.consecutiveFailures)]: 0 });
  } else {
    multi.hincrby(keys.webhooks, f(F.failed), 1);
    multi.hincrby(keys.webhooks, f(F.consecutiveFailures), 1);
    if (attempt.gaveUp) multi.hincrby(keys.webhooks, f(F.dropped), 1);
    multi.hset(keys.webhooks, { [f(F.url)]: url, [f(F.lastFailureAt)]: Date.now(), [f(F.lastFailure)]: attempt.error.slice(0, 300) });
  }
  await multi.exec();
}

const iso = (ms: string | undefined): string | null => (ms === undefined || !Number.isFinite(Number(ms)) ? null : new Date(Number(ms)).toISOString());

/** Every webhook's figures from HGETALL `<prefix>:webhooks`, ordered by URL. */
export function parseWebhookStats(hash: Record<string, string>): WebhookStatus[] {
  const byId = new Map<string, Record<string, string>>();
  for (const [name, value] of Object.entries(hash)) {
    const at = name.lastIndexOf(':');
    if (at <= 0) continue;
    const id = name.slice(0, at);
    const fields = byId.get(id) ?? {};
    fields[name.slice(at + 1)] = value;
    byId.set(id, fields);
  }
  const F = WEBHOOK_STAT_FIELDS;
  return [...byId]
    .map(([id, f]) => ({
      id,
      url: f[F.url] ?? '',
      delivered: Number(f[F.delivered] ?? 0),
      failed: Number(f[F.failed] ?? 0),
      dropped: Number(f[F.dropped] ?? 0),
      consecutiveFailures: Number(f[F.consecutiveFailures] ?? 0),
      lastDeliveredAt: iso(f[F.lastDeliveredAt]),
      lastFailureAt: iso(f[F.lastFailureAt]),
      lastFailure: f[F.lastFailure] ?? null,
    }))
    .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}
