import { z } from 'zod';
import { JOB_ID_PATTERN, JOB_STATES, jobRecordSchema, jobSpecSchema } from '@kingly/cmd';

// JSON Schemas of the routes, for validation and for the OpenAPI document at /docs. The job spec
// and record come from the zod schemas of @kingly/cmd, so the API and the client cannot drift.

type Json = Record<string, unknown>;

function fromZod(schema: z.ZodType, io: 'input' | 'output', description: string): Json {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Json;
  return { ...json, description };
}

export const jobSpecJson = fromZod(
  jobSpecSchema,
  'input',
  'A job: exactly one of command (a shell string) or argv (program and arguments), and options.',
);

export const jobRecordJson = fromZod(jobRecordSchema, 'output', 'A job as everyone reads it: spec, placement, process and outcome.');

export const jobStateJson = { type: 'string', enum: [...JOB_STATES] } as const;

export const jobIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: JOB_ID_PATTERN, description: 'Job id, unique across queues (`<queue>:<id>` for a job added by plain BullMQ)' } },
} as const;

export const logEntryJson = {
  type: 'object',
  required: ['id', 'stream', 'line', 'ts'],
  properties: {
    id: { type: 'string', description: 'Stream id; pass it back as `from` (or Last-Event-ID) to resume after it' },
    stream: { type: 'string', enum: ['stdout', 'stderr', 'system'] },
    line: { type: 'string' },
    ts: { type: 'number', description: 'ms since the epoch' },
  },
} as const;

export const workerJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    host: { type: 'string' },
    pid: { type: 'integer' },
    queue: { type: 'string' },
    concurrency: { type: 'integer' },
    running: { type: 'integer' },
    startedAt: { type: 'string' },
    lastSeenAt: { type: 'string' },
    alive: { type: 'boolean', description: 'false once the heartbeat expired: the worker died without stopping cleanly' },
  },
} as const;

export const statusJson = {
  type: 'object',
  description: 'Same shape as `kingly status --json`.',
  properties: {
    counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'jobs by state' },
    workers: { type: 'array', items: workerJson },
    running: { type: 'array', items: jobRecordJson },
    recentFailures: { type: 'array', items: jobRecordJson },
    webhooks: {
      type: 'array',
      description: 'delivery figures of each webhook the API has tried (kingly.config.json webhooks)',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          url: { type: 'string', description: 'without credentials, query or fragment' },
          delivered: { type: 'integer' },
          failed: { type: 'integer', description: 'failed attempts (each retried)' },
          dropped: { type: 'integer', description: 'events given up after the last attempt' },
          consecutiveFailures: { type: 'integer' },
          lastDeliveredAt: { type: ['string', 'null'] },
          lastFailureAt: { type: ['string', 'null'] },
          lastFailure: { type: ['string', 'null'] },
        },
      },
    },
  },
  additionalProperties: true,
} as const;

export const errorJson = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'stable code, e.g. E_BAD_INPUT, E_JOB_NOT_FOUND, E_UNAUTHORIZED' },
    error: { type: 'string' },
    message: { type: 'string' },
    hint: { type: 'string' },
  },
} as const;

/** The error responses a route can give, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]): Record<number, typeof errorJson> =>
  Object.fromEntries([401, ...statuses].map((s) => [s, errorJson]));

/** Marks a route as answering with Server-Sent Events, for the OpenAPI document. */
export const sseResponse = (description: string): Json => ({
  description,
  content: { 'text/event-stream': { schema: { type: 'string' } } },
});
