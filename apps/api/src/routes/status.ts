import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { errorResponses, statusJson } from '../schemas.js';

/** GET /api/status: counts by state, workers and running jobs (as `kingly status --json`). */
export function registerStatusRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/api/status',
    { schema: { summary: "What's going on", tags: ['status'], response: { 200: statusJson, ...errorResponses() } } },
    async () => ctx.client.status(),
  );
}
