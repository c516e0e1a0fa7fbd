import type { KinglyConfig } from '@kingly/cmd/lite';
import { portTaken } from './api-port.js';
import { tokenFingerprint, type ApiToken } from './api-token.js';
import { appSpec } from './apps.js';
import { ExitedAtStart, waitForApp } from './app-ready.js';
import type { StackPaths } from './paths.js';
import type { Pm2Session } from './pm2.js';
import type { ApiState } from './state.js';
import { KINGLY_BIN } from '../kingly-bin.js';

/** The stack's API listens on loopback only. */
export const STACK_API_HOST = '127.0.0.1';

/** How long the API may take to answer /healthz (it loads Fastify, Bull Board and OpenAPI; two busy cores are slow). */
const READY_TIMEOUT_MS = 60_000;

export interface StartApiOptions {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  readonly token: ApiToken;
  /** How to pick another port, for the error when this one is taken. */
  readonly howToChoosePort: string;
}

/** GET /healthz: its status, or undefined when nothing answers. */
async function healthStatus(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

/**
 * Starts `kingly api` as a PM2 app on the stack's redis (loopback only) and resolves once /healthz
 * answers. The token is never passed on: the API reads the token file in KINGLY_HOME (or takes
 * KINGLY_API_TOKEN from the environment it inherits), so it is neither on its command line, which
 * any user can read, nor in the app definition PM2 keeps (`pm2 save` writes it to a file).
 */
export async function startApi(
  pm2: Pm2Session,
  paths: StackPaths,
  redisUrl: string,
  config: Pick<KinglyConfig, 'queue' | 'prefix'>,
  options: StartApiOptions,
): Promise<{ pid: number; state: ApiState }> {
  const { port, token } = options;
  const app = appSpec('api', paths, pm2.home, {
    script: process.execPath,
    args: [
      KINGLY_BIN, 'api',
      '--host', STACK_API_HOST,
      '--port', String(port),
      '--redis-url', redisUrl,
      '--prefix', config.prefix,
      '--queue', config.queue,
      '--home', paths.home,
    ],
    cwd: paths.home,
  });
  const state: ApiState = {
    url: `http://${STACK_API_HOST}:${port}`,
    port,
    queue: config.queue,
    prefix: config.prefix,
    tokenSource: token.source,
    tokenFingerprint: tokenFingerprint(token.token),
  };
  await pm2.start(app);
  try {
    const proc = await waitForApp(pm2, { what: 'the API', app: app.name, log: paths.apiLog, timeoutMs: READY_TIMEOUT_MS }, async () => (await healthStatus(state.url)) === 200);
    return { pid: proc.pid, state };
  } catch (error) {
    await pm2.remove(app.name);
    // Checked free before the start, but another program may have taken it since.
    if (error instanceof ExitedAtStart && /already in use/.test(error.tail)) throw portTaken(STACK_API_HOST, port, options.howToChoosePort);
    throw error;
  }
}
