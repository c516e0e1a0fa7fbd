import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { errorResponses, workerJson } from '../schemas.js';

/** GET /api/workers: workers with a heartbeat. */
export function registerWorkerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/api/workers',
    {
      schema: {
        summary: 'Workers with a heartbeat',
        tags: ['workers'],
        response: { 200: { type: 'object', properties: { workers: { type: 'array', items: workerJson } } }, ...errorResponses() },
      },
    },
    async () => ({ workers: await ctx.client.listWorkers() }),
  );
}
