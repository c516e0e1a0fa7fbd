import type { FastifyInstance } from 'fastify';
import { badInput, ErrorCodes, KinglyError, QUEUE_NAME_PATTERN, type JobSpec, type JobState } from '@kingly/cmd';
import type { ApiContext } from '../context.js';
import { listJobPage } from '../job-pages.js';
import { errorResponses, jobIdParams, jobRecordJson, jobSpecJson, jobStateJson } from '../schemas.js';

const queueName = { type: 'string', pattern: QUEUE_NAME_PATTERN } as const;
/** A job name or group to filter by: as long as a spec's (200 characters) and without NUL bytes. */
const label = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000]+$' } as const;

interface ListQuery {
  state?: JobState;
  name?: string;
  group?: string;
  queue?: string;
  limit: number;
  cursor?: string;
  before?: string;
}

/**
 * The spec with a working directory: its own, the API's `defaultCwd`, or none for a worktree job
 * (it runs in its worktree). A server has no current directory of its caller, so a spec without
 * one is refused naming `cwd` rather than run wherever the worker happens to be.
 */
function withCwd(spec: JobSpec, defaultCwd: string | undefined): JobSpec {
  if (spec.cwd !== undefined || spec.worktree !== undefined) return spec;
  if (defaultCwd !== undefined) return { ...spec, cwd: defaultCwd };
  throw badInput("cwd: required: the API cannot know the caller's directory; give an absolute cwd (or a worktree)", "or start the API with api.defaultCwd in kingly.config.json");
}

/** POST/GET /api/jobs, GET/DELETE /api/jobs/:id. */
export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { client } = ctx;

  app.post<{ Body: Record<string, unknown>; Querystring: { queue?: string } }>(
    '/api/jobs',
    {
      schema: {
        summary: 'Enqueue a command',
        description: 'The same job spec as the CLI and @kingly/cmd. Answers 201 with the new record.',
        tags: ['jobs'],
        querystring: { type: 'object', additionalProperties: false, properties: { queue: { ...queueName, description: 'queue to use @default the API\'s queue' } } },
        body: jobSpecJson,
        response: { 201: jobRecordJson, ...errorResponses(400, 413) },
      },
    },
    async (request, reply) => {
      const { id } = await client.enqueue(withCwd(request.body as JobSpec, ctx.options.defaultCwd), request.query.queue ? { queue: request.query.queue } : undefined);
      const record = await client.getJob(id);
      return reply.code(201).header('location', `/api/jobs/${id}`).send(record);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/jobs',
    {
      schema: {
        summary: 'List jobs, newest first',
        tags: ['jobs'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: jobStateJson,
            name: label,
            group: label,
            queue: queueName,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            cursor: { type: 'string', minLength: 1, description: 'nextCursor of the previous page' },
            before: { ...jobIdParams.properties.id, description: 'only jobs older than this job (e.g. the last one shown); not with cursor' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { jobs: { type: 'array', items: jobRecordJson }, nextCursor: { type: ['string', 'null'] } },
          },
          ...errorResponses(400),
        },
      },
    },
    async (request) => listJobPage(client, request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/api/jobs/:id',
    {
      schema: { summary: 'One job', tags: ['jobs'], params: jobIdParams, response: { 200: jobRecordJson, ...errorResponses(400, 404) } },
    },
    async (request) => client.getJob(request.params.id),
  );

  app.delete<{ Params: { id: string }; Querystring: { signal?: string; graceMs?: number } }>(
    '/api/jobs/:id',
    {
      schema: {
        summary: 'Kill a job',
        description:
          'A queued job is removed; a running one has its whole process tree killed (signal, then SIGKILL after graceMs). ' +
          'Answers 202 at once; the job then ends `cancelled`. 409 when it had already ended.',
        tags: ['jobs'],
        params: jobIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            signal: { type: 'string', pattern: '^[A-Za-z0-9]{1,12}$', description: 'first signal @default SIGTERM' },
            graceMs: { type: 'integer', minimum: 0, maximum: 600000, description: 'ms before SIGKILL @default 5000' },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: { id: { type: 'string' }, action: { type: 'string', enum: ['removed', 'requested'] }, record: jobRecordJson },
          },
          ...errorResponses(400, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const result = await client.cancel(id, { ...request.query, wait: false });
      if (result.action === 'already-ended') {
        throw new KinglyError(ErrorCodes.CONFLICT, `job ${id} already ended (${result.record.state})`);
      }
      return reply.code(202).send({ id, action: result.action, record: result.record });
    },
  );
}
