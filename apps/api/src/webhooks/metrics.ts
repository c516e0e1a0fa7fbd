import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebhookStatus } from '@kingly/cmd';

const RESULTS = ['delivered', 'failed', 'dropped'] as const;

/** Webhook delivery figures for /metrics, from `<prefix>:webhooks` (so every API instance reports the same). */
export class WebhookMetrics {
  readonly #attempts: Counter;
  readonly #failing: Gauge;
  /** The Redis totals at the last scrape, by "<webhook>/<result>": the counters grow by the difference. */
  readonly #seen = new Map<string, number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.#attempts = new Counter({
      name: 'kingly_webhook_deliveries_total',
      help: 'Webhook deliveries by result: delivered (2xx), failed (an attempt, retried), dropped (given up); webhook: its id in kingly status',
      labelNames: ['webhook', 'result'],
      registers,
    });
    this.#failing = new Gauge({ name: 'kingly_webhook_consecutive_failures', help: 'Failed attempts since the last delivery, by webhook (0: healthy)', labelNames: ['webhook'], registers });
  }

  update(webhooks: readonly WebhookStatus[]): void {
    for (const w of webhooks) {
      this.#failing.set({ webhook: w.id }, w.consecutiveFailures);
      for (const result of RESULTS) {
        const key = `${w.id}/${result}`;
        const total = w[result];
        const seen = this.#seen.get(key) ?? 0;
        if (total > seen) this.#attempts.inc({ webhook: w.id, result }, total - seen);
        else if (total === 0 && seen === 0) this.#attempts.inc({ webhook: w.id, result }, 0);
        this.#seen.set(key, total);
      }
    }
  }
}
