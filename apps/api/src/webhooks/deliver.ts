import { hostname } from 'node:os';
import {
  displayWebhookUrl, jobIntegration, recordWebhookAttempt, webhookId, type CompletionDelivery, type JobIntegration, type JobRecord,
  type KinglyClient, type WebhookAttempt, type WebhookConfig, type WebhookEvent,
} from '@kingly/cmd';
import { postWebhook } from './post.js';

/** How deliveries are retried. Each field has a default. */
export interface WebhookRetryOptions {
  /** A request without an answer after this many ms fails. @default 10000 */
  readonly timeoutMs?: number;
  /** Wait after the first failed attempt; doubled after each one. @default 1000 */
  readonly baseDelayMs?: number;
  /** The longest wait between two attempts. @default 300000 (5 min) */
  readonly maxDelayMs?: number;
  /** Attempts per event before it is given up (counted as dropped). @default 20 (about an hour with the defaults) */
  readonly maxAttempts?: number;
  /**
   * Take over an event another API process has held this long unacknowledged (it is gone). An
   * event still being retried by a live one may then be sent by both: at least once. @default 600000 (10 min)
   */
  readonly claimIdleMs?: number;
}

export interface WebhookDeliveryOptions {
  /** Whose Redis and prefix; it stays the caller's to close. */
  readonly client: KinglyClient;
  readonly webhooks: readonly WebhookConfig[];
  /**
   * This process's name in each webhook's consumer group. Keep it across restarts (events it held
   * come back to the same name) and unique among the processes that deliver. @default "<host>-<pid>"
   */
  readonly consumer?: string;
  readonly retry?: WebhookRetryOptions;
  /** Told of each failed attempt and each error of the delivery loop (a line, never the secret). @default stderr */
  readonly log?: (line: string) => void;
}

/** Deliveries under way. */
export interface WebhookDelivery {
  /** Resolves once every webhook's consumer group is being read (it waits for Redis). */
  readonly ready: Promise<void>;
  /** Stops delivering; an event in the middle of its retries stays pending and is taken up again at the next start. */
  close(): Promise<void>;
}

class Closing extends Error {}

/** How long close() waits for a consumer group still being set up (Redis unreachable). */
const CLOSE_WAIT_MS = 5000;

/**
 * Delivers every webhook's events from this process, in the background: each webhook is a consumer
 * group on the events stream read through jobIntegration (acknowledged once delivered or given up).
 * Never throws: what fails is logged and retried.
 */
export function startWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery {
  const retry = {
    timeoutMs: options.retry?.timeoutMs ?? 10_000,
    baseDelayMs: options.retry?.baseDelayMs ?? 1000,
    maxDelayMs: options.retry?.maxDelayMs ?? 300_000,
    maxAttempts: options.retry?.maxAttempts ?? 20,
    claimIdleMs: options.retry?.claimIdleMs ?? 600_000,
  };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const consumer = options.consumer ?? `${hostname()}-${process.pid}`;
  const closing = new AbortController();
  const integrations: JobIntegration[] = [];
  const backoff = (attempt: number): number => Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));

  /** Waits `ms`, or less when closing. */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        closing.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      closing.signal.addEventListener('abort', done);
    });

  const deliverer = (webhook: WebhookConfig) => {
    const id = webhookId(webhook);
    const shown = displayWebhookUrl(webhook.url);
    const every = webhook.events.includes('finished');
    const record = async (attempt: WebhookAttempt): Promise<void> => {
      try {
        await recordWebhookAttempt(await options.client.redis(), options.client.keys, id, shown, attempt);
      } catch (error) {
        // The figures are for people; failing to write them must not send the event again.
        log(`kingly webhook ${shown}: could not record the attempt: ${(error as Error).message}`);
      }
    };
    return async (job: JobRecord, delivery: CompletionDelivery): Promise<void> => {
      if (!every && !webhook.events.includes(job.state as WebhookEvent)) return;
      const body = JSON.stringify({ eventId: delivery.eventId, type: 'finished', jobId: job.id, queue: job.queue, state: job.state, record: job });
      for (let attempt = 1; ; attempt++) {
        if (closing.signal.aborted) throw new Closing();
        const result = await postWebhook({ url: webhook.url, secret: webhook.secret, eventId: delivery.eventId, body, timeoutMs: retry.timeoutMs, signal: closing.signal });
        if (result.ok) return record({ ok: true });
        if (closing.signal.aborted) throw new Closing();
        const gaveUp = attempt >= retry.maxAttempts;
        await record({ ok: false, error: result.error, gaveUp });
        log(`kingly webhook ${shown}: event ${delivery.eventId} (job ${job.id}) attempt ${attempt}: ${result.error}; ${gaveUp ? 'given up' : `retrying in ${backoff(attempt)}ms`}`);
        if (gaveUp) return;
        await pause(backoff(attempt));
      }
    };
  };

  const connectOne = async (webhook: WebhookConfig): Promise<void> => {
    const shown = displayWebhookUrl(webhook.url);
    for (let attempt = 1; !closing.signal.aborted; attempt++) {
      try {
        const integration = await jobIntegration.connect(
          { updateStatus: deliverer(webhook) },
          {
            client: options.client,
            consumer,
            group: `webhook:${webhookId(webhook)}`,
            // One event at a time: those behind a failing one wait in the stream, not in this consumer's pending list.
            batch: 1,
            retryDelayMs: retry.baseDelayMs,
            claimIdleMs: retry.claimIdleMs,
            onError: (error) => {
              if (!(error instanceof Closing)) log(`kingly webhook ${shown}: ${(error as Error)?.message ?? String(error)}`);
            },
          },
        );
        if (closing.signal.aborted) await integration.close();
        else integrations.push(integration);
        return;
      } catch (error) {
        log(`kingly webhook ${shown}: cannot read the events stream (${(error as Error).message}); trying again in ${backoff(attempt)}ms`);
        await pause(backoff(attempt));
      }
    }
  };
  const ready = Promise.all(options.webhooks.map(connectOne)).then(() => undefined);

  return {
    ready,
    async close() {
      closing.abort();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ready, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      await Promise.all(integrations.map((i) => i.close()));
    },
  };
}
