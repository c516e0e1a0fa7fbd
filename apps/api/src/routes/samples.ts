import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { errorResponses, jobIdParams } from '../schemas.js';

const sampleJson = {
  type: 'object',
  required: ['t', 'cpuPercent', 'rssBytes', 'processCount'],
  properties: {
    t: { type: 'number', description: 'when the point starts, ms since the epoch' },
    cpuPercent: { type: 'number', description: "the process tree's CPU, % of one core (mean over a downsampled point)" },
    rssBytes: { type: 'number', description: 'resident memory of the tree, bytes (max over a downsampled point)' },
    processCount: { type: 'integer', description: 'processes in the tree (max over a downsampled point)' },
  },
} as const;

/** GET /api/jobs/:id/samples: the job's resource history. */
export function registerSampleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { id: string } }>(
    '/api/jobs/:id/samples',
    {
      schema: {
        summary: "A job's CPU and memory history",
        description:
          'Oldest first, one point per sampling interval (1 s by default); a long job is downsampled to at most about 1,000 points. ' +
          'Empty while the job is queued or before its first sample.',
        tags: ['jobs'],
        params: jobIdParams,
        response: {
          200: { type: 'object', required: ['samples'], properties: { samples: { type: 'array', items: sampleJson } } },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => ({ samples: await ctx.client.getSamples(request.params.id) }),
  );
}
