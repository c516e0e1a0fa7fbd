import type { FastifyInstance } from 'fastify';
import { badInput } from '@kingly/cmd';
import type { ApiContext } from '../context.js';
import { errorBodyFor } from '../errors.js';
import { errorResponses, sseResponse } from '../schemas.js';
import { lastEventId, openSse } from '../sse.js';

const EXTRAS = ['samples', 'workers'] as const;

interface EventsQuery {
  since?: string;
  include?: string;
}

/**
 * GET /api/events: SSE of lifecycle events (`lifecycle`, resumable with Last-Event-ID), and on
 * request live process samples (`sample`) and the worker list (`workers`), for the live page.
 */
export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { client } = ctx;
  app.get<{ Querystring: EventsQuery }>(
    '/api/events',
    {
      schema: {
        summary: 'Live events (Server-Sent Events)',
        description:
          'First a `ready` event ({since}); then one `lifecycle` event per job transition (queued, started, finished; ' +
          'the id is the stream id, so a reconnect resumes with Last-Event-ID). With include=samples: `sample` events ' +
          '(a running job\'s pid, cpuPercent, rssBytes, processCount about every second). With include=workers: a ' +
          '`workers` event with the whole list whenever it changes.',
        tags: ['events'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: { type: 'string', format: 'kingly-stream-since', description: "replay after this event id; '0' replays all kept @default '$' (new only)" },
            include: { type: 'string', pattern: '^(samples|workers)(,(samples|workers))*$', description: 'comma list: samples, workers' },
          },
        },
        response: { 200: sseResponse('text/event-stream'), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const include = new Set((request.query.include ?? '').split(',').filter(Boolean));
      for (const name of include) if (!(EXTRAS as readonly string[]).includes(name)) throw badInput(`query parameter include: unknown '${name}'`);
      const requested = lastEventId(request) ?? request.query.since ?? '$';
      const since = requested === '$' ? await client.newestEventId() : requested;

      const sse = openSse(reply, { registry: ctx.streams });
      const stops: Array<() => void> = [];
      try {
        await sse.send({ event: 'ready', data: { since } });
        if (include.has('workers')) stops.push(ctx.workers.subscribe((workers) => void sse.send({ event: 'workers', data: workers })));
        if (include.has('samples')) stops.push(ctx.samples.subscribe((sample) => void sse.send({ event: 'sample', data: sample })));
        for await (const event of client.events({ since, follow: true, signal: sse.signal })) {
          if (!(await sse.send({ id: event.id, event: 'lifecycle', data: event }))) break;
        }
      } catch (error) {
        if (!sse.signal.aborted) await sse.send({ event: 'error', data: errorBodyFor(error, 0).body });
      } finally {
        for (const stop of stops) stop();
        sse.close();
      }
    },
  );
}
