import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_API_PORT, ErrorCodes, KinglyError } from '@kingly/cmd';
import { buildApp } from './app.js';
import { checkApiOptions, type ApiOptions } from './options.js';

export const DEFAULT_API_HOST = '127.0.0.1';
export { DEFAULT_API_PORT };

/** buildApp's options and where to listen. */
export interface ApiServerOptions extends ApiOptions {
  /** Address to listen on; a name is also answered as a Host (see allowedHosts). @default "127.0.0.1" */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 7077 */
  readonly port?: number;
}

/**
 * On close, connections still open after this many ms (in-flight requests, sockets a client opened
 * ahead and never used) are cut, so a stop never waits on an idle keep-alive socket.
 */
const CLOSE_GRACE_MS = 1000;

/** A listening API. */
export interface ApiServer {
  readonly app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:7077 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Ends event streams, stops listening and closes the app's Redis connections. */
  close(): Promise<void>;
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (isIPv6(bare)) return bare === '::1' || /^::ffff:127\./.test(bare) || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/** Validates where to listen. */
export function checkListenAddress(host: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `port must be an integer from 0 to 65535, got '${port}'`);
  }
  if (!host) throw new KinglyError(ErrorCodes.BAD_INPUT, 'host must be an address or name, got an empty string');
}

/** Builds the app and listens; refuses, before opening anything, to start without a token. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? DEFAULT_API_HOST;
  const port = options.port ?? DEFAULT_API_PORT;
  checkListenAddress(host, port);
  checkApiOptions(options);
  // The name it listens on is a name clients use (addresses pass the Host check anyway).
  const bare = host.replace(/^\[|\]$/g, '');
  const allowedHosts = isIP(bare) === 0 ? [...(options.allowedHosts ?? []), bare] : options.allowedHosts;
  const app = await buildApp({ ...options, ...(allowedHosts ? { allowedHosts } : {}) });
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close().catch(() => {
      /* the listen error below is what the caller needs to see */
    });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new KinglyError(ErrorCodes.CONFLICT, `port ${port} on ${host} is already in use`, { hint: 'choose another with --port', cause: error });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES' || code === 'ENOTFOUND') {
      throw new KinglyError(ErrorCodes.BAD_INPUT, `cannot listen on ${host}:${port} (${code})`, { cause: error });
    }
    throw error;
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shown = isIPv6(host.replace(/^\[|\]$/g, '')) ? `[${host.replace(/^\[|\]$/g, '')}]` : host;
  const close = async (): Promise<void> => {
    const timer = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
    timer.unref();
    try {
      await app.close();
    } finally {
      clearTimeout(timer);
    }
  };
  return { app, url: `http://${shown}:${boundPort}`, host, port: boundPort, close };
}
