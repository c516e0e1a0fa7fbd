import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** One request a receiver got, with whether its signature checked out. */
export interface ReceivedWebhook {
  readonly eventId: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body as received. */
  readonly body: string;
  /** The body parsed as JSON. */
  readonly payload: { eventId: string; type: string; jobId: string; queue: string; state: string; record: Record<string, unknown> };
  /** HMAC-SHA256 of "<timestamp>.<body>" with the secret equals the signature (computed here, not with kingly's code). */
  readonly signatureValid: boolean;
  /** The status this receiver answered. */
  readonly status: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in order of arrival. */
  readonly received: ReceivedWebhook[];
  /** The requests answered 2xx. */
  accepted(): ReceivedWebhook[];
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  readonly secret: string;
  /** Port on 127.0.0.1. @default a free one */
  readonly port?: number;
  /** The status to answer a request (after it is recorded). @default () => 200 */
  readonly respond?: (request: Omit<ReceivedWebhook, 'status'>, index: number) => number;
}

/** The signature check a receiver in any language makes: constant-time compare of the hex HMAC. */
function validSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A real HTTP server receiving kingly's webhooks on loopback, for tests. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string): string => String(req.headers[name] ?? '');
      const request = {
        eventId: header('x-kingly-event-id'),
        timestamp: header('x-kingly-timestamp'),
        signature: header('x-kingly-signature'),
        headers: req.headers,
        body,
        payload: JSON.parse(body) as ReceivedWebhook['payload'],
        signatureValid: validSignature(options.secret, header('x-kingly-timestamp'), body, header('x-kingly-signature')),
      };
      const status = options.respond?.(request, received.length) ?? 200;
      received.push({ ...request, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
