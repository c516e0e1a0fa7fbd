import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

const PING_TIMEOUT_MS = 2000;

/** GET /healthz (open): 200 while Redis answers, 503 when it does not. */
export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness and Redis reachability (no auth)',
        tags: ['health'],
        security: [],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, redis: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' }, redis: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ctx.client.redis().then((r) => r.ping()),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS);
          }),
        ]);
        return { status: 'ok', redis: 'ok' };
      } catch {
        return reply.code(503).send({ status: 'unavailable', redis: 'unreachable' });
      } finally {
        clearTimeout(timer);
      }
    },
  );
}
