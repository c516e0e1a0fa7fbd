import type { FastifyInstance } from 'fastify';
import { isTerminalState, type LogEntry } from '@kingly/cmd';
import type { ApiContext } from '../context.js';
import { errorBodyFor } from '../errors.js';
import { errorResponses, jobIdParams, logEntryJson } from '../schemas.js';
import { lastEventId, openSse, wantsEventStream } from '../sse.js';

interface LogsQuery {
  from?: string;
  tail?: number;
  limit: number;
  follow?: string;
}

/** GET /api/jobs/:id/logs: a JSON page of lines, or (event stream / ?follow=1) live SSE until the log ends. */
export function registerLogRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { client } = ctx;
  app.get<{ Params: { id: string }; Querystring: LogsQuery }>(
    '/api/jobs/:id/logs',
    {
      schema: {
        summary: "A job's output",
        description:
          'JSON: up to `limit` lines after the stream id `from`; `ended` says the log is complete. ' +
          'With `Accept: text/event-stream` or `?follow=1`: Server-Sent Events, one `log` event per line (its id is the ' +
          'stream id, so a reconnect resumes with Last-Event-ID), then one `end` event with the final record when the job ends.',
        tags: ['logs'],
        params: jobIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'kingly-stream-start', description: "start after this stream id @default '0' (the beginning)" },
            tail: { type: 'integer', minimum: 0, maximum: 100000, description: 'start with only the last N lines' },
            limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000, description: 'lines per JSON page' },
            follow: { type: 'string', enum: ['0', '1', 'true', 'false'], description: 'answer with live SSE' },
          },
        },
        response: {
          200: {
            description: 'A page of lines (JSON), or an event stream',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    entries: { type: 'array', items: logEntryJson },
                    next: { type: 'string', description: 'pass as `from` for the next page' },
                    ended: { type: 'boolean' },
                  },
                },
              },
              'text/event-stream': { schema: { type: 'string' } },
            },
          },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { from, tail, limit, follow } = request.query;
      const record = await client.getJob(id);
      if (!wantsEventStream(request, follow)) {
        const entries: LogEntry[] = [];
        let full = false;
        for await (const entry of client.followLogs(id, { follow: false, ...(from ? { from } : tail !== undefined ? { tail } : {}), batch: limit + 1 })) {
          if (entries.length === limit) {
            full = true;
            break;
          }
          entries.push(entry);
        }
        const next = entries[entries.length - 1]?.id ?? from ?? '0';
        return reply.send({ entries, next, ended: isTerminalState(record.state) && !full });
      }

      const resume = lastEventId(request) ?? from;
      const sse = openSse(reply, { registry: ctx.streams });
      try {
        // A job that has ended has its whole log in Redis: read it, no need to wait for more.
        const lines = client.followLogs(id, {
          follow: !isTerminalState(record.state),
          signal: sse.signal,
          ...(resume ? { from: resume } : tail !== undefined ? { tail } : {}),
        });
        for await (const entry of lines) {
          if (!(await sse.send({ id: entry.id, event: 'log', data: entry }))) break;
        }
        if (!sse.signal.aborted) await sse.send({ event: 'end', data: (await client.findJob(id)) ?? record });
      } catch (error) {
        if (!sse.signal.aborted) await sse.send({ event: 'error', data: errorBodyFor(error, 0).body });
      } finally {
        sse.close();
      }
    },
  );
}
