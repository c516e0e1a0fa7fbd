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
          'No series names a job. kingly_jobs{state}, kingly_running_jobs, kingly_running_cpu_percent, kingly_running_rss_bytes, ' +
          'kingly_queue_depth{queue}, kingly_queue_running_jobs / _cpu_percent / _rss_bytes{queue}, kingly_workers{state}, ' +
          'kingly_worker_up / _running_jobs / _concurrency{worker,host,queue}, kingly_worker_jobs_finished_total{worker}, ' +
          'kingly_jobs_finished_total{queue,state}, histograms kingly_job_duration_seconds and kingly_job_peak_rss_bytes {queue,state}, ' +
          'kingly_log_lines_written_total, ' +
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
