import { signWebhook, WEBHOOK_HEADERS } from '@kingly/cmd';

/** One attempt's answer: delivered, or what went wrong in a few words (never the secret). */
export type PostResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface PostWebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly eventId: string;
  readonly body: string;
  /** Give up on the request after this many ms. */
  readonly timeoutMs: number;
  /** Aborts the request (the delivery is closing). */
  readonly signal: AbortSignal;
}

/** What went wrong with a request that got no answer: a system error code where there is one. */
function failure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return `no answer within ${timeoutMs}ms`;
  if (err?.name === 'AbortError') return 'aborted: the delivery is closing';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
}

/** POSTs the body once, signed now; a 2xx answer delivers it. Never throws. */
export async function postWebhook(options: PostWebhookOptions): Promise<PostResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'kingly-webhooks',
        [WEBHOOK_HEADERS.eventId]: options.eventId,
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: signWebhook(options.secret, timestamp, options.body),
      },
      body: options.body,
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    // The answer's body is not read: only its status counts (cancelling frees the socket).
    await response.body?.cancel().catch(() => undefined);
    return response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: failure(error, options.timeoutMs) };
  }
}
