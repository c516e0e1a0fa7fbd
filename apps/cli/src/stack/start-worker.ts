import type { KinglyConfig } from '@kingly/cmd/lite';
import { appSpec } from './apps.js';
import { waitForApp } from './app-ready.js';
import type { StackPaths } from './paths.js';
import type { Pm2Session } from './pm2.js';
import { KINGLY_BIN } from '../kingly-bin.js';

/** How long a new worker may take to send its first heartbeat (two busy cores load slowly). */
const HEARTBEAT_TIMEOUT_MS = 30_000;

/**
 * Starts `kingly worker` as a PM2 app on the stack's redis, with the queue and prefix this
 * invocation uses, and resolves with its pid once its heartbeat is in Redis.
 */
export async function startWorker(
  pm2: Pm2Session,
  paths: StackPaths,
  redisUrl: string,
  config: Pick<KinglyConfig, 'queue' | 'prefix' | 'workerConcurrency'>,
): Promise<number> {
  const app = appSpec('worker', paths, pm2.home, {
    script: process.execPath,
    args: [
      KINGLY_BIN, 'worker', '--redis-url', redisUrl, '--prefix', config.prefix, '--queue', config.queue,
      // The daemon runs in KINGLY_HOME, away from the project's kingly.config.json: pass its setting on.
      ...(config.workerConcurrency !== undefined ? ['--concurrency', String(config.workerConcurrency)] : []),
    ],
    cwd: paths.home,
  });
  await pm2.start(app);
  // Only when a worker is started: commands that find the stack running never load the client.
  const { KinglyClient } = await import('@kingly/cmd');
  const client = new KinglyClient({ redisUrl, prefix: config.prefix, queue: config.queue });
  try {
    const proc = await waitForApp(pm2, { what: 'the worker', app: app.name, log: paths.workerLog, timeoutMs: HEARTBEAT_TIMEOUT_MS }, async ({ pid }) =>
      (await client.listWorkers()).some((w) => w.pid === pid && w.alive),
    );
    return proc.pid;
  } catch (error) {
    await pm2.remove(app.name);
    throw error;
  } finally {
    await client.close();
  }
}
