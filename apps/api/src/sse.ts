import type { FastifyReply, FastifyRequest } from 'fastify';
import { badInput } from '@kingly/cmd';
import { isStreamId, STREAM_ID_EXPECTED } from './stream-id.js';

/** One Server-Sent Event. */
export interface SseEvent {
  /** Sent as `id:`; the browser returns the last one as Last-Event-ID when it reconnects. @default no id */
  readonly id?: string;
  /** Sent as `event:`. @default "message" */
  readonly event?: string;
  /** JSON-encoded into `data:`. @default none (required) */
  readonly data: unknown;
}

/** An open event stream on a hijacked reply. */
export interface SseStream {
  /** Aborted when the client goes away or the stream is closed. */
  readonly signal: AbortSignal;
  /** Writes one event; waits while the socket is full. Resolves false once the client has gone. */
  send(event: SseEvent): Promise<boolean>;
  /** Ends the response. */
  close(): void;
}

export interface OpenSseOptions {
  /** Open streams, so the app can end them all when it closes. @default undefined */
  readonly registry?: Set<SseStream>;
  /** How long the browser waits before reconnecting, ms. @default 2000 */
  readonly retryMs?: number;
  /** A comment line is sent this often so proxies keep the connection. @default 15000 */
  readonly keepAliveMs?: number;
}

/** True when the client asked for an event stream (Accept header or `?follow=1`). */
export const wantsEventStream = (request: FastifyRequest, follow: unknown): boolean =>
  follow === true || follow === 1 || follow === '1' || follow === 'true' || (request.headers.accept ?? '').includes('text/event-stream');

/** The Last-Event-ID header (undefined when absent or empty); anything but a stream id is a 400. */
export function lastEventId(request: FastifyRequest): string | undefined {
  const value = request.headers['last-event-id'];
  const id = Array.isArray(value) ? value[0] : value;
  if (!id) return undefined;
  if (!isStreamId(id)) throw badInput(`header Last-Event-ID: must be ${STREAM_ID_EXPECTED}, got ${JSON.stringify(id.slice(0, 60))}`);
  return id;
}

/** Takes the reply over from Fastify and writes text/event-stream on the socket. */
export function openSse(reply: FastifyReply, options: OpenSseOptions = {}): SseStream {
  const controller = new AbortController();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${options.retryMs ?? 2000}\n\n`);
  const keepAlive = setInterval(() => {
    if (!res.writableEnded) res.write(': keep-alive\n\n');
  }, options.keepAliveMs ?? 15_000);
  keepAlive.unref();
  const finish = (): void => {
    clearInterval(keepAlive);
    options.registry?.delete(stream);
    controller.abort();
  };
  res.once('close', finish);

  const stream: SseStream = {
    signal: controller.signal,
    async send(event) {
      if (controller.signal.aborted || res.writableEnded) return false;
      let frame = '';
      if (event.id !== undefined) frame += `id: ${event.id}\n`;
      if (event.event !== undefined) frame += `event: ${event.event}\n`;
      frame += `data: ${JSON.stringify(event.data)}\n\n`;
      if (!res.write(frame)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            controller.signal.removeEventListener('abort', done);
            resolve();
          };
          res.once('drain', done);
          controller.signal.addEventListener('abort', done, { once: true });
        });
      }
      return !controller.signal.aborted;
    },
    close() {
      finish();
      if (!res.writableEnded) res.end();
    },
  };
  options.registry?.add(stream);
  return stream;
}
