import { badInput, webhookConfigSchema, type WebhookConfig } from '@kingly/cmd';

/** Refuses webhooks given in code that kingly.config.json would refuse (E_BAD_INPUT naming the field, never echoing a value: it may be the secret). */
export function checkWebhooks(webhooks: readonly WebhookConfig[]): void {
  webhooks.forEach((webhook, i) => {
    const parsed = webhookConfigSchema.safeParse(webhook);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badInput(`webhooks[${i}].${issue.path.join('.')}: ${issue.message}`);
    }
  });
}
