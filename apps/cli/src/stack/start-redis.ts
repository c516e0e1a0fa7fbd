import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { connectLiteRedis, freeLoopbackPort } from '@kingly/cmd/lite';
import { appSpec } from './apps.js';
import { waitForApp } from './app-ready.js';
import { socketFits, type StackPaths } from './paths.js';
import type { Pm2Session } from './pm2.js';

/** How long redis may take to answer (loading a large AOF counts). */
const READY_TIMEOUT_MS = 30_000;

export const unixUrl = (socket: string): string => pathToFileURL(socket).href.replace(/^file:/, 'unix:');

/** Where redis listens: the unix socket, or loopback TCP on a free port when the path is too long. */
async function listenOn(paths: StackPaths): Promise<{ args: string[]; redisUrl: string }> {
  if (socketFits(paths.socket)) {
    rmSync(paths.socket, { force: true }); // left by a redis that was killed
    return {
      args: ['--port', '0', '--unixsocket', paths.socket, '--unixsocketperm', '700'],
      redisUrl: unixUrl(paths.socket),
    };
  }
  const port = await freeLoopbackPort();
  return { args: ['--port', String(port), '--bind', '127.0.0.1'], redisUrl: `redis://127.0.0.1:${port}` };
}

/**
 * Starts this stack's redis-server as a PM2 app (AOF on, so queued jobs survive a restart; no
 * password: it listens on a socket only its user can open, or on loopback) and resolves with its
 * URL once it answers. Fails with E_STACK_FAILED and the end of its log when it does not come up.
 */
export async function startRedis(pm2: Pm2Session, paths: StackPaths, redisServer: string): Promise<string> {
  // On loopback TCP the free port may be taken before redis binds it: try another.
  const attempts = socketFits(paths.socket) ? 1 : 3;
  for (let attempt = 1; ; attempt += 1) {
    const { args, redisUrl } = await listenOn(paths);
    const app = appSpec('redis', paths, pm2.home, {
      script: redisServer,
      args: [
        ...args, '--dir', paths.redisDir, '--appendonly', 'yes', '--daemonize', 'no', '--protected-mode', 'yes', '--logfile', '',
        // Keep the command line and environment as given (the proc title would overwrite the stack's marker).
        '--set-proc-title', 'no',
      ],
      cwd: paths.redisDir,
    });
    await pm2.start(app);
    try {
      await waitForApp(pm2, { what: 'redis-server', app: app.name, log: paths.redisLog, timeoutMs: READY_TIMEOUT_MS }, async () => {
        const redis = await connectLiteRedis(redisUrl, { connectTimeoutMs: 1000 }).catch(() => undefined);
        redis?.disconnect();
        return redis !== undefined;
      });
      return redisUrl;
    } catch (error) {
      await pm2.remove(app.name);
      if (attempt >= attempts) throw error;
    }
  }
}

