import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { KinglyClient } from '@kingly/cmd';
import { SessionSigner } from './auth/credentials.js';
import { installAuthGuard } from './auth/guard.js';
import { installHostCheck } from './auth/host-check.js';
import { registerLoginRoutes } from './auth/login.js';
import { registerBoard } from './board/register.js';
import type { ApiContext } from './context.js';
import { frameworkErrors, installErrorHandling } from './errors.js';
import { SampleFeed } from './live/samples.js';
import { WorkerFeed } from './live/workers.js';
import { resolveApiOptions, type ApiOptions } from './options.js';
import { loadPageFiles } from './page-files.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerLogRoutes } from './routes/logs.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerPageRoutes } from './routes/page.js';
import { registerSampleRoutes } from './routes/samples.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerWorkerRoutes } from './routes/workers.js';
import { installEscapeCheck } from './url-escapes.js';
import { installValidation } from './validation.js';
import { startWebhookDelivery } from './webhooks/deliver.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Request headers that carry secrets; the logger prints them as "<hidden>". */
const REDACT = { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '<hidden>' };

function loggerOption(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === true) return { level: 'info', redact: REDACT };
  if (logger && typeof logger === 'object') return { ...logger, redact: REDACT };
  return logger ?? false;
}

/**
 * Builds the kingly API: routes under /api, /metrics, /healthz, Bull Board at /board, the live
 * page at /, OpenAPI at /docs; a token is required (E_BAD_INPUT without one). Never listens (see
 * startApiServer); `app.close()` releases everything it opened.
 */
export async function buildApp(input: ApiOptions): Promise<FastifyInstance> {
  const options = resolveApiOptions(input);
  const app = Fastify({
    logger: loggerOption(options.logger),
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    frameworkErrors: frameworkErrors(options.bodyLimit),
  });
  installErrorHandling(app, options.bodyLimit);
  installValidation(app);
  // In this order: the Host first (DNS rebinding), then malformed URLs, then credentials.
  installHostCheck(app, options.allowedHosts);
  installEscapeCheck(app);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  const sessions = new SessionSigner(options.token, options.sessionSecret, options.sessionTtlMs);
  const failures = installAuthGuard(app, {
    token: options.token,
    sessions,
    failureLimit: options.authFailureLimit,
    failureWindowMs: options.authFailureWindowMs,
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'kingly API', version: VERSION, description: 'Run, follow and kill tracked commands. Send Authorization: Bearer <token>.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const client = options.client ?? new KinglyClient({ redisUrl: options.redisUrl, prefix: options.prefix, queue: options.queue });
  const ctx: ApiContext = {
    client,
    options,
    samples: new SampleFeed({ client, redisUrl: options.redisUrl }),
    workers: new WorkerFeed({ client }),
    streams: new Set(),
  };
  const webhooks = input.webhooks?.length
    ? startWebhookDelivery({
        client,
        webhooks: input.webhooks,
        ...(input.webhookConsumer !== undefined ? { consumer: input.webhookConsumer } : {}),
        ...(input.webhookRetry !== undefined ? { retry: input.webhookRetry } : {}),
        ...(input.webhookLog !== undefined ? { log: input.webhookLog } : {}),
      })
    : undefined;
  // Event streams never finish by themselves: end them first, or closing would wait for them.
  app.addHook('preClose', async () => {
    for (const stream of [...ctx.streams]) stream.close();
  });
  app.addHook('onClose', async () => {
    await Promise.all([ctx.samples.close(), ctx.workers.close(), webhooks?.close()]);
    if (!options.client) await client.close();
  });

  const pages = loadPageFiles();
  await registerLoginRoutes(app, { token: options.token, sessions, failures, template: pages.get('login.html')! });
  registerHealthRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerLogRoutes(app, ctx);
  registerSampleRoutes(app, ctx);
  registerWorkerRoutes(app, ctx);
  registerStatusRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerMetricsRoutes(app, ctx);
  registerPageRoutes(app, pages);
  await registerBoard(app, ctx);
  return app;
}
