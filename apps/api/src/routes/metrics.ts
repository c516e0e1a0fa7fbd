import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { KinglyMetrics } from '../metrics.js';
import { errorResponses } from '../schemas.js';

/** GET /metrics: Prometheus text. */
export function registerMetricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const metrics = new KinglyMetrics();
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        description:
          'kingly_jobs{state}, kingly_running_jobs, kingly_running_job_cpu_percent / _rss_bytes / _processes / _log_lines_written ' +
          '{job_id,queue}, kingly_running_cpu_percent, kingly_running_rss_bytes, kingly_queue_depth{queue}, kingly_workers{state}, ' +
          'kingly_webhook_deliveries_total{webhook,result}, kingly_webhook_consecutive_failures{webhook}, ' +
          'and the API process (kingly_api_*).',
        tags: ['metrics'],
        response: { 200: { description: 'text/plain; version=0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses() },
      },
    },
    async (_request, reply) => {
      const text = await metrics.render(ctx.client);
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}
